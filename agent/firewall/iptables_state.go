package firewall

import (
	"context"
	"fmt"
	"strings"
)

// iptHook is one owned chain and the built-in chain that jumps to it.
type iptHook struct{ table, hook, chain string }

// iptHooks in the order every batch and listing takes them.
var iptHooks = []iptHook{
	{"mangle", "PREROUTING", ChainPrerouting},
	{"filter", "INPUT", ChainInput},
}

// iptChainState is one owned chain as iptables -S lists it now.
type iptChainState struct {
	exists    bool
	rules     []string // "-A CK8S-INPUT ...", in order
	jumps     []string // rules of the hook chain that jump to ours
	plainJump bool     // the jump we insert, "-A INPUT -j CK8S-INPUT", is among them
}

// read lists one owned chain and the jumps to it. go-iptables runs
// without -v, so no counters appear: the listing is the same before and
// after a no-op.
func (f *iptFamily) read(h iptHook) (iptChainState, error) {
	var s iptChainState
	exists, err := f.ipt.ChainExists(h.table, h.chain)
	if err != nil {
		return s, fmt.Errorf("reading %s %s chain %s: %w", f.name, h.table, h.chain, err)
	}
	if !exists {
		// A jump cannot exist without its target, so there is none.
		return s, nil
	}
	s.exists = true
	if s.rules, err = f.listRules(h.table, h.chain, func(string) bool { return true }); err != nil {
		return s, err
	}
	plain := "-A " + h.hook + " -j " + h.chain
	s.jumps, err = f.listRules(h.table, h.hook, func(r string) bool { return iptJumpTarget(strings.Fields(r)) == h.chain })
	for _, j := range s.jumps {
		s.plainJump = s.plainJump || j == plain
	}
	return s, err
}

func (f *iptFamily) listRules(table, chain string, keep func(string) bool) ([]string, error) {
	lines, err := f.ipt.List(table, chain)
	if err != nil {
		return nil, fmt.Errorf("listing %s %s chain %s: %w", f.name, table, chain, err)
	}
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "-A ") && keep(l) {
			out = append(out, l)
		}
	}
	return out, nil
}

// iptJumpTarget is the owned chain a rule jumps or goes to, or "".
func iptJumpTarget(fields []string) string {
	for i := 0; i+1 < len(fields); i++ {
		if (fields[i] == "-j" || fields[i] == "-g") && iptOwned(fields[i+1]) {
			return fields[i+1]
		}
	}
	return ""
}

func iptOwned(chain string) bool { return strings.HasPrefix(chain, "CK8S-") }

// State lists, per family and table, the owned chain (-N), its rules and
// the jumps to it, each line prefixed with family and table:
//
//	ipv4 filter -N CK8S-INPUT
//	ipv4 filter -A CK8S-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
//	ipv4 filter -A INPUT -j CK8S-INPUT
//
// The jump's position is left out on purpose: kube-proxy and docker insert
// their own jumps at the top of INPUT, which moves ours without changing
// what it does.
func (b *iptBackend) State(context.Context) (string, error) {
	var w strings.Builder
	for _, f := range b.fams {
		for _, h := range iptHooks {
			s, err := f.read(h)
			if err != nil {
				return "", err
			}
			if !s.exists {
				continue
			}
			prefix := f.name + " " + h.table + " "
			w.WriteString(prefix + "-N " + h.chain + "\n")
			for _, l := range append(s.rules, s.jumps...) {
				w.WriteString(prefix + l + "\n")
			}
		}
	}
	return w.String(), nil
}
