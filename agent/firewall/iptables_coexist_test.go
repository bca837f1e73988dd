package firewall

import (
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestIPTablesCoexistence fills the namespace with what a Kubernetes and
// docker host has, then proves that iptables-save, without counters and
// without our own lines, is byte for byte what it was: after an apply,
// after a re-apply of another profile, and after the rollback (which also
// leaves no line of ours).
func TestIPTablesCoexistence(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		iptLoadForeign(t, b)
		before := iptForeign(t, b)
		if s := mustState(t, b); s != "" {
			t.Fatalf("State before any apply = %q, want empty", s)
		}
		unchanged := func(when string) {
			t.Helper()
			after := iptForeign(t, b)
			for i, f := range b.fams {
				if after[i] != before[i] {
					t.Errorf("%s: %s rules not ours changed:\nbefore:\n%s\nafter:\n%s", when, f.name, before[i], after[i])
				}
			}
		}
		rollback := mustSnapshot(t, b)
		mustApply(t, b, mustRender(t, b, defaultProfile()))
		unchanged("after apply")
		iptJumpFirst(t, b)

		p := defaultProfile()
		p.Reject, p.AllowUDP = true, []int{8472}
		mustApply(t, b, mustRender(t, b, p))
		unchanged("after re-apply")
		iptJumpFirst(t, b)

		mustApply(t, b, rollback)
		unchanged("after rollback")
		if s := mustState(t, b); s != "" {
			t.Errorf("State after rollback = %q, want empty", s)
		}
	})
}

// TestIPTablesJumpKeepsItsPlace: kube-proxy inserting its own jump at the
// top of INPUT after ours is not undone by a re-apply (we insert only a
// missing jump), and our jump is never duplicated.
func TestIPTablesJumpKeepsItsPlace(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		iptLoadForeign(t, b)
		mustApply(t, b, mustRender(t, b, defaultProfile()))
		for _, f := range b.fams {
			if err := iptHandle(t, f).Insert("filter", "INPUT", 1, "-j", "KUBE-FIREWALL"); err != nil {
				t.Fatal(err)
			}
		}
		mustApply(t, b, mustRender(t, b, defaultProfile()))
		for _, f := range b.fams {
			rules, err := iptHandle(t, f).List("filter", "INPUT")
			if err != nil {
				t.Fatal(err)
			}
			if len(rules) < 3 || rules[1] != "-A INPUT -j KUBE-FIREWALL" || rules[2] != "-A INPUT -j "+ChainInput {
				t.Errorf("%s INPUT after re-apply, want kube's jump, then ours:\n%s", f.name, strings.Join(rules, "\n"))
			}
			if n := strings.Count(strings.Join(rules, "\n"), "-j "+ChainInput); n != 1 {
				t.Errorf("%s INPUT has %d jumps to %s, want 1", f.name, n, ChainInput)
			}
		}
	})
}

// iptJumpFirst checks that our jumps are the first rule of their hook
// chains, ahead of kube-proxy's and docker's.
func iptJumpFirst(t *testing.T, b *iptBackend) {
	t.Helper()
	for _, f := range b.fams {
		for _, h := range iptHooks {
			rules, err := iptHandle(t, f).List(h.table, h.hook)
			if err != nil {
				t.Fatal(err)
			}
			want := "-A " + h.hook + " -j " + h.chain
			if len(rules) < 2 || rules[1] != want { // rules[0] is the policy
				t.Errorf("%s %s %s does not start with %q:\n%s", f.name, h.table, h.hook, want, strings.Join(rules, "\n"))
			}
			if n := strings.Count(strings.Join(rules, "\n"), "-j "+h.chain); n != 1 {
				t.Errorf("%s %s %s has %d jumps to %s, want 1", f.name, h.table, h.hook, n, h.chain)
			}
		}
	}
}
