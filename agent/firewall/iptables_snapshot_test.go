package firewall

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestIPTablesSnapshotRestores: Snapshot, Apply, Apply(snapshot) gives the
// exact previous State, from nothing and from an older profile; the
// rollback also runs on a family the apply never reached, and twice.
func TestIPTablesSnapshotRestores(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	older := defaultProfile()
	older.Reject = true
	older.SSHSources = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8:1::/48")}
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		for _, before := range []*Profile{nil, &older} {
			iptReset(t)
			if before != nil {
				mustApply(t, b, mustRender(t, b, *before))
			}
			want := mustState(t, b)
			snap := mustSnapshot(t, b)
			bt := mustRender(t, b, defaultProfile())
			mustApply(t, b, bt)
			if mustState(t, b) == want {
				t.Fatal("the apply changed nothing; the test proves nothing")
			}
			mustApply(t, b, snap)
			if got := mustState(t, b); got != want {
				t.Errorf("State after rollback:\n%s\nwant:\n%s", got, want)
			}
			// A failed apply that only reached IPv4, then the rollback;
			// and the rollback run twice (the watchdog may race a confirm).
			mustApply(t, b, Batch{Backend: NameIPTables, Parts: bt.Parts[:1]})
			mustApply(t, b, snap)
			mustApply(t, b, snap)
			if got := mustState(t, b); got != want {
				t.Errorf("State after a half apply and two rollbacks:\n%s\nwant:\n%s", got, want)
			}
		}
	})
}

// TestIPTablesApplyFailure: a batch the restore refuses changes nothing;
// one that fails only when the kernel commits it (nf_tables' --test only
// parses) leaves the failing family as it was, and the error says the
// family before it was applied.
func TestIPTablesApplyFailure(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		ctx := context.Background()
		before := mustState(t, b)
		bad := mustRender(t, b, defaultProfile())
		bad.Parts[1].Input = strings.Replace(bad.Parts[1].Input, "--dport 22 ", "--dport 99999 ", 1)
		err := b.Apply(ctx, bad)
		if err == nil || !strings.Contains(err.Error(), "nothing was changed") {
			t.Errorf("Apply of an unparsable IPv6 part: %v, want an error saying nothing was changed", err)
		}
		if s := mustState(t, b); s != before {
			t.Errorf("State after a refused batch:\n%s\nwant:\n%s", s, before)
		}

		// Deleting a chain its jump still uses fails at commit time, after
		// the IPv6 mangle section is already committed.
		late := mustRender(t, b, defaultProfile())
		late.Parts[1].Input = strings.Replace(late.Parts[1].Input, "-I INPUT 1 -j CK8S-INPUT\n", "-I INPUT 1 -j CK8S-INPUT\n-X CK8S-INPUT\n", 1)
		err = b.Apply(ctx, late)
		if err == nil {
			t.Fatal("Apply of a batch deleting a used chain succeeded")
		}
		t.Logf("%s: %v", b.variant, err)
		var v6 []string
		for _, l := range strings.Split(mustState(t, b), "\n") {
			if strings.HasPrefix(l, "ipv6 ") {
				v6 = append(v6, l)
			}
		}
		if len(v6) != 0 {
			t.Errorf("the failed IPv6 part left:\n%s", strings.Join(v6, "\n"))
		}
		applied := strings.Contains(err.Error(), "ipv4 rules were applied")
		if applied != strings.HasPrefix(mustState(t, b), "ipv4 ") {
			t.Errorf("the error (%v) and the IPv4 state disagree:\n%s", err, mustState(t, b))
		}
	})
}
