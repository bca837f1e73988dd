package firewall

import (
	"fmt"
	"strconv"
	"strings"
)

// iptChainOps are what a batch may do to an owned chain.
var iptChainOps = map[string]bool{"-A": true, "-I": true, "-D": true, "-F": true, "-X": true, "-N": true}

// prepare checks a restore input line by line and returns what to run.
// Every line must be about an owned chain, or be a jump to one from
// another chain (-I, -A or -D).
//
// Jump lines are made idempotent here, against the rules as they are now:
// an insert of a jump that exists and a delete of one that does not are
// left out. A restore file cannot say "if missing" itself, and without
// this a rollback would fail on the family a failed apply never reached
// (its jump is already gone), and the same batch applied twice would add
// the jump twice.
func (f *iptFamily) prepare(input string) (string, error) {
	var w strings.Builder
	table := ""
	for i, line := range strings.Split(strings.TrimSuffix(input, "\n"), "\n") {
		fields := strings.Fields(line)
		keep := true
		switch {
		case len(fields) == 0 || strings.HasPrefix(fields[0], "#") || fields[0] == "COMMIT":
		case strings.HasPrefix(fields[0], "*"):
			table = fields[0][1:]
		case strings.HasPrefix(fields[0], ":"):
			if !iptOwned(fields[0][1:]) {
				return "", fmt.Errorf("line %d declares chain %s, which the agent does not own", i+1, fields[0][1:])
			}
		case len(fields) >= 2 && iptChainOps[fields[0]] && iptOwned(fields[1]):
		default:
			var err error
			if keep, err = f.wantJump(table, fields); err != nil {
				return "", fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		if keep {
			w.WriteString(line + "\n")
		}
	}
	return w.String(), nil
}

// wantJump reports whether a jump line still has work to do.
func (f *iptFamily) wantJump(table string, fields []string) (bool, error) {
	target := iptJumpTarget(fields)
	op := fields[0]
	if target == "" || len(fields) < 2 || (op != "-I" && op != "-A" && op != "-D") {
		return false, fmt.Errorf("%q changes a chain the agent does not own", strings.Join(fields, " "))
	}
	chain, spec := fields[1], fields[2:]
	if _, err := strconv.Atoi(iptFirst(spec)); op == "-I" && err == nil {
		spec = spec[1:] // the position
	}
	exists, err := f.jumpExists(table, chain, target, spec)
	if err != nil {
		return false, fmt.Errorf("checking for the %s jump to %s in %s %s: %w", f.name, target, table, chain, err)
	}
	if op == "-D" {
		return exists, nil
	}
	return !exists, nil
}

// jumpExists reports whether the rule "chain spec" jumping to target is in
// table. The plain jump of an owned hook ("-j CK8S-INPUT" in filter INPUT,
// the only jump the backend writes) is looked up in the table's listing,
// held under the lock or taken now: one iptables-save the step mostly has
// already, instead of an iptables -S and an iptables -C. iptables -C
// matches a rule by its parsed spec, and iptables-save prints a rule
// without matches exactly as "-A INPUT -j CK8S-INPUT", so for that spec
// the listing gives the same answer (a jump with matches, such as
// "-i lo -j CK8S-INPUT", is neither). Any other jump is asked of iptables.
func (f *iptFamily) jumpExists(table, chain, target string, spec []string) (bool, error) {
	for _, h := range iptHooks {
		if h.table == table && h.hook == chain && h.chain == target && len(spec) == 2 && spec[0] == "-j" && spec[1] == target {
			s, err := f.read(h)
			return s.plainJump, err
		}
	}
	ipt, err := f.handle()
	if err != nil {
		return false, err
	}
	exists, err := ipt.ChainExists(table, target)
	if err == nil && exists {
		// Checked only when the target exists: iptables -C with an unknown
		// target is an error, not "no such rule".
		exists, err = ipt.Exists(table, chain, spec...)
	}
	return exists, err
}

func iptFirst(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
