package firewall

import (
	"net"
	"strings"
	"testing"

	"github.com/coreos/go-iptables/iptables"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestIPTablesIdempotent: applying the same profile again, freshly rendered
// or the very same batch, lists the same State, never adds a second jump,
// and keeps the jump's counters (the jump is not re-created).
func TestIPTablesIdempotent(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		bt := mustRender(t, b, defaultProfile())
		mustApply(t, b, bt)
		first := mustState(t, b)
		iptTouchLoopback(t)
		counters := iptJumpCounters(t, b)
		mustApply(t, b, mustRender(t, b, defaultProfile()))
		if s := mustState(t, b); s != first {
			t.Errorf("State after a re-render and apply:\n%s\nwant:\n%s", s, first)
		}
		mustApply(t, b, bt) // stale: it still inserts the jumps
		if s := mustState(t, b); s != first {
			t.Errorf("State after applying the same batch again:\n%s\nwant:\n%s", s, first)
		}
		if got := iptJumpCounters(t, b); got != counters || strings.Contains(counters, "-c 0 ") {
			t.Errorf("jump counters after re-applying:\n%s\nwant them kept, and not zero:\n%s", got, counters)
		}
	})
}

// iptTouchLoopback sends one SYN to a closed port of 127.0.0.1 (in the
// test's own namespace): it passes both jumps once.
func iptTouchLoopback(t *testing.T) {
	t.Helper()
	if c, err := net.Dial("tcp", "127.0.0.1:9"); err == nil {
		c.Close()
	}
}

// iptJumpCounters lists the IPv4 jumps with their counters.
func iptJumpCounters(t *testing.T, b *iptBackend) string {
	t.Helper()
	var out []string
	for _, h := range iptHooks {
		rules, err := iptHandle(t, b.fams[0]).ListWithCounters(h.table, h.hook)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			if strings.Contains(r, "-j "+h.chain) {
				out = append(out, r)
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestIPTablesEstablishedFirst is the regression test for the lockout
// where a REJECT came before the ESTABLISHED rule and reset live sessions:
// in both chains of both families, rendered and as the kernel lists them,
// the ESTABLISHED RETURN comes before any DROP or REJECT.
func TestIPTablesEstablishedFirst(t *testing.T) {
	for name, p := range iptGoldens() {
		iptCheckOrder(t, name+" rendered", iptStateOf(Batch{Parts: []Part{
			{Input: iptRestoreText(t, p, 0)}, {Input: iptRestoreText(t, p, 1)},
		}}))
	}
	if !testenv.Isolated(t) {
		return
	}
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		for name, p := range iptGoldens() {
			mustApply(t, b, mustRender(t, b, p))
			iptCheckOrder(t, name+" listed", mustState(t, b))
		}
	})
}

func iptRestoreText(t *testing.T, p Profile, fam int) string {
	t.Helper()
	n, err := newIPTProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	return n.restore(fam, []bool{false, false})
}

// iptCheckOrder reads State text: per family and owned chain, the
// ESTABLISHED rule must exist and precede every DROP and REJECT.
func iptCheckOrder(t *testing.T, name, state string) {
	t.Helper()
	established := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(state), "\n") {
		f := strings.Fields(line) // family table -A CHAIN ...
		if len(f) < 4 || f[2] != "-A" || !iptOwned(f[3]) {
			continue
		}
		key := f[0] + " " + f[3]
		rule := strings.Join(f[4:], " ")
		switch {
		case rule == iptEstablished:
			established[key] = true
		case strings.Contains(rule, "-j DROP") || strings.Contains(rule, "-j REJECT"):
			if !established[key] {
				t.Errorf("%s: %s: %q comes before the ESTABLISHED rule", name, key, rule)
			}
		}
	}
	if len(established) != 4 {
		t.Errorf("%s: ESTABLISHED rule in %d chains, want 4 (2 families x 2 chains): %v", name, len(established), established)
	}
}

// iptHandle is f's go-iptables, for tests that look at or change the
// tables the way other programs do.
func iptHandle(t *testing.T, f *iptFamily) *iptables.IPTables {
	t.Helper()
	ipt, err := f.handle()
	if err != nil {
		t.Fatal(err)
	}
	return ipt
}
