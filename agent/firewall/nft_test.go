package firewall

import (
	"context"
	"maps"
	"os/exec"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestNFTCoexistence loads what a Kubernetes host has besides us (a
// kube-proxy nftables table, the distro's inet filter, iptables-nft rules
// with a KUBE chain) and proves apply, re-apply and rollback leave every
// byte of it as it was.
func TestNFTCoexistence(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	testenv.RequireCommand(t, "iptables", "ip6tables")
	b := nftTestBackend(t)
	nftCmd(t, "", "-f", "testdata/nft/foreign.nft")
	nftSh(t, `iptables -N KUBE-FIREWALL
iptables -A INPUT -j KUBE-FIREWALL
iptables -A KUBE-FIREWALL -m mark --mark 0x8000/0x8000 -j DROP
iptables -t nat -N KUBE-SERVICES
iptables -t nat -A PREROUTING -j KUBE-SERVICES
ip6tables -A INPUT -p tcp --dport 10250 -j ACCEPT`)
	before := nftCmd(t, "", "list", "ruleset")
	iptBefore := nftIPTablesSave(t)

	rollback := mustSnapshot(t, b)
	mustApply(t, b, mustRender(t, b, defaultProfile()))
	nftSameForeign(t, "after apply", before)
	mustApply(t, b, mustRender(t, b, defaultProfile()))
	nftSameForeign(t, "after re-apply", before)
	mustApply(t, b, rollback)
	if got := nftCmd(t, "", "list", "ruleset"); got != before {
		t.Errorf("ruleset after rollback differs from before:\n%s\nbefore:\n%s", got, before)
	}
	if got := nftIPTablesSave(t); got != iptBefore {
		t.Errorf("iptables-save after rollback differs:\n%s\nbefore:\n%s", got, iptBefore)
	}
}

func nftSameForeign(t *testing.T, when, before string) {
	t.Helper()
	if !strings.Contains(nftCmd(t, "", "list", "tables"), "table "+nftTable) {
		t.Fatalf("%s: our table is missing", when)
	}
	if got := nftForeign(t); got != before {
		t.Errorf("%s: the ruleset without our table changed:\n%s\nbefore:\n%s", when, got, before)
	}
}

// nftIPTablesSave is what iptables-nft itself sees, without the comment
// lines that carry a timestamp.
func nftIPTablesSave(t *testing.T) string {
	t.Helper()
	var out strings.Builder
	for _, bin := range []string{"iptables-save", "ip6tables-save"} {
		b, err := exec.Command(bin).Output()
		if err != nil {
			t.Fatalf("%s: %v", bin, err)
		}
		for line := range strings.Lines(string(b)) {
			if !strings.HasPrefix(line, "#") {
				out.WriteString(line)
			}
		}
	}
	return out.String()
}

// TestNFTIdempotent: State is the same after a re-apply, and a snapshot
// of the table restores that same State.
func TestNFTIdempotent(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	b := nftTestBackend(t)
	if s := mustState(t, b); s != "" {
		t.Fatalf("State without our table = %q, want empty", s)
	}
	profiles := nftGoldens()
	maps.Copy(profiles, nftEdgeProfiles())
	for name, p := range profiles {
		mustApply(t, b, mustRender(t, b, p))
		first := mustState(t, b)
		mustApply(t, b, mustRender(t, b, p))
		if again := mustState(t, b); again != first {
			t.Errorf("%s: State changed on re-apply:\n%s\nfirst:\n%s", name, again, first)
		}
		mustApply(t, b, mustSnapshot(t, b))
		if again := mustState(t, b); again != first {
			t.Errorf("%s: State changed by applying its own snapshot:\n%s\nfirst:\n%s", name, again, first)
		}
	}
}

// TestNFTSnapshotRollback: Snapshot, Apply, Apply(snapshot) restores the
// previous State, whether there was no table or an older profile's.
func TestNFTSnapshotRollback(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	b := nftTestBackend(t)
	older := nftGoldens()["udp"]
	older.Reject = true
	for _, step := range []struct {
		name  string
		setup func()
	}{
		{"no table", func() {}},
		{"older profile", func() { mustApply(t, b, mustRender(t, b, older)) }},
	} {
		step.setup()
		before := mustState(t, b)
		rollback := mustSnapshot(t, b)
		mustApply(t, b, mustRender(t, b, nftGoldens()["ssh-sources"]))
		if mustState(t, b) == before {
			t.Fatalf("%s: apply changed nothing", step.name)
		}
		mustApply(t, b, rollback)
		if got := mustState(t, b); got != before {
			t.Errorf("%s: State after rollback:\n%s\nwant:\n%s", step.name, got, before)
		}
	}
	if err := b.Apply(context.Background(), Batch{Backend: NameIPTables}); err == nil {
		t.Error("Apply ran an iptables batch")
	}
}
