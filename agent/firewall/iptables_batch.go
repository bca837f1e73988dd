package firewall

import (
	"context"
	"fmt"
	"strings"
)

// Render replaces the owned chains with p, one restore per family. A
// `:CK8S-INPUT - [0:0]` line creates the chain, or flushes it when it
// exists (with --noflush too, in both variants), so the rules that follow
// are the whole chain. The jump is inserted at the top of the hook chain
// only when it is missing: a jump that exists keeps its place and its
// counters, and a second one is never added.
func (b *iptBackend) Render(_ context.Context, p Profile) (Batch, error) {
	n, err := newIPTProfile(p)
	if err != nil {
		return Batch{}, err
	}
	bt := Batch{Backend: NameIPTables}
	for fam, f := range b.fams {
		var jumps []bool
		for _, h := range iptHooks {
			s, err := f.read(h)
			if err != nil {
				return Batch{}, fmt.Errorf("rendering iptables rules: %w", err)
			}
			jumps = append(jumps, s.plainJump)
		}
		argv, err := f.restoreArgv()
		if err != nil {
			return Batch{}, fmt.Errorf("rendering iptables rules: %w", err)
		}
		bt.Parts = append(bt.Parts, Part{Argv: argv, Input: n.restore(fam, jumps)})
	}
	return bt, nil
}

// restore is one family's restore input; hasJump[i] tells whether the jump
// of iptHooks[i] exists already.
func (n iptProfile) restore(fam int, hasJump []bool) string {
	var w strings.Builder
	for i, h := range iptHooks {
		rules := n.input(fam)
		if h.chain == ChainPrerouting {
			rules = n.prerouting(fam)
		}
		if !hasJump[i] {
			rules = append(rules, "-I "+h.hook+" 1 -j "+h.chain)
		}
		iptSection(&w, h, rules)
	}
	return w.String()
}

// Snapshot puts the owned chains back as they are listed now. It runs
// after an apply of Render, which only ever adds the plain jump, so the
// rollback deletes that jump when it was not there before, and deletes a
// chain that did not exist (declared first, so the -X is valid whether or
// not the apply created it).
func (b *iptBackend) Snapshot(context.Context) (Batch, error) {
	bt := Batch{Backend: NameIPTables}
	for _, f := range b.fams {
		part, err := f.snapshot()
		if err != nil {
			return Batch{}, fmt.Errorf("snapshotting iptables rules: %w", err)
		}
		bt.Parts = append(bt.Parts, part)
	}
	return bt, nil
}

func (f *iptFamily) snapshot() (Part, error) {
	var w strings.Builder
	for _, h := range iptHooks {
		s, err := f.read(h)
		if err != nil {
			return Part{}, err
		}
		lines := s.rules
		if !s.plainJump {
			lines = append(lines, "-D "+h.hook+" -j "+h.chain)
		}
		if !s.exists {
			lines = append(lines, "-X "+h.chain)
		}
		iptSection(&w, h, lines)
	}
	argv, err := f.restoreArgv()
	return Part{Argv: argv, Input: w.String()}, err
}

// iptSection writes one table of a restore: the chain's declaration, the
// lines, COMMIT.
func iptSection(w *strings.Builder, h iptHook, lines []string) {
	fmt.Fprintf(w, "*%s\n:%s - [0:0]\n", h.table, h.chain)
	for _, l := range lines {
		w.WriteString(l + "\n")
	}
	w.WriteString("COMMIT\n")
}
