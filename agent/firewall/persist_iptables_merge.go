package firewall

import (
	"fmt"
	"regexp"
	"strings"
)

// iptSaveTable is what one table of a rules file gets from us.
type iptSaveTable struct {
	table, hook string
	decls       []string // ":CK8S-INPUT - [0:0]"
	jumps       []string // "-A INPUT -j CK8S-INPUT"
	rules       []string // "-A CK8S-INPUT ..."
}

// iptCounters is the "[packets:bytes] " prefix of iptables-save -c lines.
var iptCounters = regexp.MustCompile(`^\[\d+:\d+\]\s+`)

// iptMerge returns file (iptables-save format, as netfilter-persistent
// writes and restores it) with every owned line removed and add's lines
// put into their tables: declarations after the table's last declaration,
// jumps before the hook chain's first rule (the top of the chain, as
// Render puts them), our rules at the end. A missing table is appended.
// Everything else (the user's rules, comments, order) is kept as it was.
func iptMerge(file string, add []iptSaveTable) (string, error) {
	var lines []string
	if file != "" {
		for _, l := range strings.Split(strings.TrimSuffix(file, "\n"), "\n") {
			if !iptOwnedLine(l) {
				lines = append(lines, l)
			}
		}
	}
	before := map[int][]string{}
	var tail []string
	for _, t := range add {
		start, end := iptFindTable(lines, t.table)
		if start < 0 {
			tail = append(tail, "*"+t.table)
			tail = append(append(append(tail, t.decls...), t.jumps...), t.rules...)
			tail = append(tail, "COMMIT")
			continue
		}
		if end < 0 {
			return "", fmt.Errorf("merging into the rules file: table %s (line %d) has no COMMIT", t.table, start+1)
		}
		// Declarations go before the first rule, which may jump to them.
		declAt, jumpAt, rule := start+1, end, false
		for i := start + 1; i < end; i++ {
			fields := iptSaveFields(lines[i])
			if len(fields) > 0 && strings.HasPrefix(fields[0], ":") && !rule {
				declAt = i + 1
			}
			rule = rule || len(fields) > 0 && strings.HasPrefix(fields[0], "-")
			if jumpAt == end && len(fields) >= 2 && fields[0] == "-A" && fields[1] == t.hook {
				jumpAt = i
			}
		}
		before[declAt] = append(before[declAt], t.decls...)
		before[jumpAt] = append(before[jumpAt], t.jumps...)
		before[end] = append(before[end], t.rules...)
	}
	var w strings.Builder
	for i, l := range lines {
		for _, a := range before[i] {
			w.WriteString(a + "\n")
		}
		w.WriteString(l + "\n")
	}
	for _, l := range tail {
		w.WriteString(l + "\n")
	}
	return w.String(), nil
}

// iptFindTable returns the lines of "*table" and of its COMMIT, -1 if
// missing.
func iptFindTable(lines []string, table string) (start, end int) {
	start, end = -1, -1
	for i, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case start < 0 && l == "*"+table:
			start = i
		case start >= 0 && l == "COMMIT":
			return start, i
		case start >= 0 && strings.HasPrefix(l, "*"):
			return start, -1
		}
	}
	return start, end
}

// iptOwnedLine reports a rules-file line that is ours: an owned chain's
// declaration or rule, or a rule jumping to an owned chain.
func iptOwnedLine(l string) bool {
	fields := iptSaveFields(l)
	switch {
	case len(fields) == 0:
		return false
	case strings.HasPrefix(fields[0], ":"):
		return iptOwned(fields[0][1:])
	case len(fields) >= 2 && (fields[0] == "-A" || fields[0] == "-I" || fields[0] == "-N") && iptOwned(fields[1]):
		return true
	}
	return iptJumpTarget(fields) != ""
}

func iptSaveFields(l string) []string {
	return strings.Fields(iptCounters.ReplaceAllString(strings.TrimSpace(l), ""))
}
