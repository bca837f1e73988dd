package inventory

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Pattern is an Ansible host pattern, as given to --limit: terms separated
// by "," (or ":" when there is no comma), each a group or host name, a
// glob ("web*", "*.example.com"), a regular expression ("~web[0-9]+"), or
// one of those with a subscript ("web[0]", "web[1:]"). A term prefixed
// with "&" intersects, one with "!" excludes. As in Ansible
// (inventory/manager.py, order_patterns), the plain terms are applied first
// whatever their place, then the intersections, then the exclusions; with
// only "&" and "!" terms, "all" is the start.
type Pattern struct {
	text  string
	terms []term
}

type term struct {
	op      byte   // 0 (union), '&' or '!'
	raw     string // without op: a host name here bypasses group matching
	expr    string // raw without its subscript
	re      *regexp.Regexp
	special bool // a regex or a glob with any of ".?*[": hosts are matched even when a group is
	sub     *subscript
}

// subscript is a term's [i] or [start:end] (end inclusive, -1 for "to the
// last"); single is Ansible's reading of [i] and, by its quirk, of [i:0].
type subscript struct {
	start, end int
	single     bool
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.text }

// ParsePattern parses s. Limit files ("@retry.txt") are refused, and so
// is an empty pattern: Ansible reads --limit "" as no limit, but in a
// script that is more often an unset variable than a wish to act on all.
func ParsePattern(s string) (Pattern, error) {
	p := Pattern{text: s}
	parts := splitPattern(s)
	if len(parts) == 0 {
		return p, fmt.Errorf("host pattern %q is empty", s)
	}
	for _, part := range parts {
		t, err := parseTerm(part)
		if err != nil {
			return p, fmt.Errorf("host pattern %q: %w", s, err)
		}
		p.terms = append(p.terms, t)
	}
	return p, nil
}

// splitPattern is Ansible's split_host_pattern: split on commas if there
// are any; otherwise keep an address with a port or an IPv6 address
// whole, and split anything else on colons outside brackets (so
// "web[1:3]" stays one term).
func splitPattern(s string) []string {
	var parts []string
	switch {
	case strings.Contains(s, ","):
		parts = strings.Split(s, ",")
	case isAddress(s):
		parts = []string{s}
	default:
		parts = colonSplit.FindAllString(s, -1)
	}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var colonSplit = regexp.MustCompile(`(?:[^\s:\[\]]|\[[^\]]*\])+`)

func isAddress(s string) bool {
	_, _, err := parseAddress(s)
	return err == nil
}

var subscriptRe = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)

func parseTerm(s string) (term, error) {
	t := term{raw: s}
	if s[0] == '@' {
		return t, fmt.Errorf("%q: limit files are not supported; list the hosts, comma-separated", s)
	}
	if s[0] == '&' || s[0] == '!' {
		t.op, t.raw = s[0], s[1:]
	}
	if t.raw == "" {
		return t, fmt.Errorf("%q: nothing after %q", s, t.op)
	}
	t.expr = t.raw
	if t.raw[0] == '~' {
		re, err := regexp.Compile(`^(?:` + t.raw[1:] + `)`)
		if err != nil {
			return t, fmt.Errorf("%q: invalid regular expression (RE2 syntax): %w", s, err)
		}
		t.re, t.special = re, true
		return t, nil
	}
	if m := subscriptRe.FindStringSubmatch(t.raw); m != nil {
		t.expr = m[1]
		sub, err := parseSubscript(m)
		if err != nil {
			return t, fmt.Errorf("%q: %w", s, err)
		}
		t.sub = sub
	}
	t.re = globRegexp(t.expr)
	t.special = strings.ContainsAny(t.expr, ".?*[")
	return t, nil
}

func parseSubscript(m []string) (*subscript, error) {
	if m[2] != "" {
		i, err := strconv.Atoi(m[2])
		return &subscript{start: i, single: true}, err
	}
	start, err := strconv.Atoi(m[3])
	if err != nil {
		return nil, err
	}
	end := -1
	if m[5] != "" {
		if end, err = strconv.Atoi(m[5]); err != nil {
			return nil, err
		}
	}
	return &subscript{start: start, end: end, single: end == 0}, nil
}
