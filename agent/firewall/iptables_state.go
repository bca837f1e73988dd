package firewall

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
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

// read lists one owned chain and the jumps to it from one iptables-save of
// its table: one program run instead of three iptables -S calls, which
// matters because every iptables-nft run fetches the kernel's ruleset
// (a no-drift run is mostly such reads). iptables-save prints rules exactly
// as iptables -S does, and without -c no counters: the listing is the same
// before and after a no-op.
func (f *iptFamily) read(h iptHook) (iptChainState, error) {
	f.mu.Lock()
	s, ok := f.held[h]
	f.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := f.list(h)
	if err == nil {
		f.mu.Lock()
		if f.held != nil {
			f.held[h] = s
		}
		f.mu.Unlock()
	}
	return s, err
}

// hold makes the reads until release reuse one listing per table, until
// the backend's own restore of the family changes it. The step holds while
// it owns the firewall lock (render, snapshot, apply: the same rules read
// three times within milliseconds); a listing is then as old as the
// first read of it, never older than the lock.
func (b *iptBackend) hold() (release func()) {
	for _, f := range b.fams {
		f.mu.Lock()
		f.held = map[iptHook]iptChainState{}
		f.mu.Unlock()
	}
	return func() {
		for _, f := range b.fams {
			f.forget(false)
		}
	}
}

// forget drops the held listings; keep says whether to go on holding.
func (f *iptFamily) forget(keep bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if keep && f.held != nil {
		f.held = map[iptHook]iptChainState{}
		return
	}
	f.held = nil
}

// list reads h's table with iptables-save.
func (f *iptFamily) list(h iptHook) (iptChainState, error) {
	var s iptChainState
	out, err := exec.Command(f.save, "-t", h.table).Output()
	if err != nil {
		// With IPv6 disabled (ipv6.disable=1) ip6tables exists but cannot
		// open its tables: the first read says so, before any change.
		hint := ""
		if f.v6 {
			hint = " (is IPv6 disabled in the kernel?)"
		}
		return s, fmt.Errorf("reading %s %s table with %s%s: %w%s", f.name, h.table, f.save, hint, err, stderrOf(err))
	}
	plain := "-A " + h.hook + " -j " + h.chain
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case l == ":"+h.chain || strings.HasPrefix(l, ":"+h.chain+" "):
			s.exists = true
		case strings.HasPrefix(l, "-A "+h.chain+" "):
			s.rules = append(s.rules, l)
		case strings.HasPrefix(l, "-A "+h.hook+" ") && iptJumpTarget(strings.Fields(l)) == h.chain:
			s.jumps = append(s.jumps, l)
			s.plainJump = s.plainJump || l == plain
		}
	}
	if !s.exists {
		// A jump cannot exist without its target, so there is none.
		s.rules, s.jumps, s.plainJump = nil, nil, false
	}
	return s, nil
}

// stderrOf is the stderr an *exec.ExitError captured, for messages.
func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
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
