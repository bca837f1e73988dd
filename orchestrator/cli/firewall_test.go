package cli

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// TestHarden applies the default profile with each backend to a lab host
// with its decoys, from the outside: exactly 22/80/443 answer on IPv4 and
// IPv6 afterwards, the change was confirmed over a new connection and left
// no watchdog, the rules were persisted, a re-run touches nothing, and a
// rule changed by hand is shown by --check and repaired by harden.
func TestHarden(t *testing.T) {
	l := newLab(t, 2)
	for i, tc := range []struct {
		backend, persisted, drift string
		untouched                 string // prints something a re-apply would change
	}{
		{"iptables", "/etc/iptables/rules.v4", "iptables -I CK8S-INPUT 1 -p tcp --dport 5432 -j RETURN",
			"iptables -L CK8S-INPUT -v -x -n | awk '$3==\"DROP\" && $4==\"all\" {print $1}'"},
		{"nftables", "/etc/nftables.d/ck8s.nft", "nft insert rule inet ck8s input tcp dport 5432 accept",
			"nft -a list tables | grep ck8s"},
	} {
		t.Run(tc.backend, func(t *testing.T) {
			h := l.Hosts[i]
			db := filepath.Join(t.TempDir(), "ck8s.db")
			pb := firewallPlaybook(t, l, "  backend: "+tc.backend+"\n  confirmTimeout: 20s\n", h)
			requireReach(t, h, append(openPorts, closedDecoys...), true)

			stop := probe(t, h)
			r := ck8sctl(t, "harden", "-p", pb, "--db", db, "-o", "json")
			stop()
			if r.code != ExitOK {
				t.Fatalf("harden: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			rep := r.report(t)
			if f := rep.Hosts[0].Firewall; f == nil || f.State != phase.FirewallConfirmed {
				t.Fatalf("firewall outcome %+v, want confirmed", f)
			}
			requireTypes(t, storedEvents(t, db, rep.ID), event.TypeFirewallApplied, event.TypeFirewallConfirmed)
			requireReach(t, h, openPorts, true)
			requireReach(t, h, closedDecoys, false)
			if w := watchdogs(t, l, h); w != "" {
				t.Errorf("watchdog left behind after a confirmed change: pids %s", w)
			}
			if out := onHost(t, l, h, "cat "+tc.persisted); !strings.Contains(out, "CK8S") && !strings.Contains(out, "ck8s") {
				t.Errorf("%s does not hold the rules:\n%s", tc.persisted, out)
			}

			// No drift: nothing touched. Probes of a closed port count on the
			// final drop rule (iptables); a re-apply would reset that
			// counter, or give the nft table a new handle.
			for range 3 {
				dialable(h.Addr4, 5432)
			}
			before, rules := onHost(t, l, h, tc.untouched), owned(t, l, h)
			r = ck8sctl(t, "harden", "-p", pb, "--db", db, "-o", "json")
			if f := r.report(t).Hosts[0].Firewall; r.code != ExitOK || f == nil || f.State != phase.FirewallCompliant {
				t.Fatalf("re-run: exit %d, firewall %+v, want 0 and compliant\n%s", r.code, f, r.stderr)
			}
			if after := onHost(t, l, h, tc.untouched); after != before || owned(t, l, h) != rules {
				t.Errorf("a compliant re-run changed the rules: %q → %q", before, after)
			}

			onHost(t, l, h, tc.drift)
			r = ck8sctl(t, "harden", "--check", "-p", pb, "--db", db, "-o", "json")
			f := r.report(t).Hosts[0].Firewall
			if r.code != ExitFailed || f == nil || f.State != phase.FirewallDrift || !strings.Contains(f.Diff, "5432") {
				t.Fatalf("--check after a hand edit: exit %d, firewall %+v; want 1 and a diff naming 5432\n%s", r.code, f, r.stderr)
			}
			if !strings.Contains(owned(t, l, h), "5432") {
				t.Fatal("--check changed the rules")
			}
			r = ck8sctl(t, "harden", "-p", pb, "--db", db, "-o", "json")
			if f := r.report(t).Hosts[0].Firewall; r.code != ExitOK || f == nil || f.State != phase.FirewallConfirmed {
				t.Fatalf("repair: exit %d, firewall %+v\n%s", r.code, f, r.stderr)
			}
			if owned(t, l, h) != rules {
				t.Errorf("repair did not restore the profile:\n%s\nwant\n%s", owned(t, l, h), rules)
			}
		})
	}
}

// probe dials an allowed and a closed port of h over and over until stop is
// called, and fails t if the allowed one ever failed (a half-applied
// ruleset) or the closed one answered again after it had stopped. Closed
// means three failed dials in a row: one slow answer on a loaded machine
// is not a closed port.
func probe(t *testing.T, h lab.Host) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var problems []string
	wg.Go(func() {
		fails, closed := 0, false
		for ctx.Err() == nil {
			ok80, ok5432 := dialable(h.Addr4, 80), dialable(h.Addr4, 5432)
			if !ok80 && ctx.Err() == nil {
				problems = append(problems, "port 80 did not answer during the apply")
			}
			if closed && ok5432 {
				problems = append(problems, "port 5432 answered again after it was closed")
			}
			if fails = map[bool]int{true: 0, false: fails + 1}[ok5432]; fails >= 3 {
				closed = true
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
		for _, p := range slices.Compact(problems) {
			t.Error(p)
		}
	}
}

func requireTypes(t *testing.T, evs []event.Event, types ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.Type] = true
	}
	for _, ty := range types {
		if !seen[ty] {
			t.Errorf("no %s event among %d stored", ty, len(evs))
		}
	}
}

// TestHardenRollback reproduces lockouts. The host starts the way many are
// hardened by hand: INPUT policy DROP with its own accepts (flushing INPUT
// there is the classic lockout; the agent never touches it). A profile that
// would cut SSH (only sources that are not us) is rolled back by the
// watchdog with DROP and with REJECT, the run exits 4, and the host is
// reachable again with its old rules byte-for-byte. A normal profile then
// applies on top of the foreign rules without disturbing them.
func TestHardenRollback(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	for _, ipt := range []string{"iptables", "ip6tables"} {
		onHost(t, l, h, ipt+" -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT && "+
			ipt+" -A INPUT -i lo -j ACCEPT && "+ipt+" -A INPUT -p tcp -m multiport --dports 22,80,443 -j ACCEPT && "+
			ipt+" -A INPUT -p icmp -j ACCEPT && "+ipt+" -A INPUT -p ipv6-icmp -j ACCEPT && "+ipt+" -P INPUT DROP")
	}
	theirs := foreign(t, l, h)
	db := filepath.Join(t.TempDir(), "ck8s.db")
	// SSH allowed only from networks no lab ever uses (labs are
	// 198.18.INDEX.0/24 and 2001:db8:INDEX::/48 with INDEX ≤ 255; a
	// lab-range source here was the lab's own one run in 255).
	for _, tc := range []struct{ name, fw string }{
		{"drop", "  backend: iptables\n  sshSources: [198.19.250.0/24]\n  confirmTimeout: 3s\n"},
		{"reject", "  backend: nftables\n  policy: reject\n  sshSources: [198.19.250.0/24, 2001:db8:ffff::/48]\n  confirmTimeout: 3s\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ck8sctl(t, "harden", "-p", firewallPlaybook(t, l, tc.fw, h), "--db", db, "-o", "json")
			if r.code != ExitRolledBack {
				t.Fatalf("exit %d, want %d (rolled back)\n%s\n%s", r.code, ExitRolledBack, r.stdout, r.stderr)
			}
			res := r.report(t).Hosts[0]
			if res.Status != phase.StatusRolledBack || res.Firewall == nil || res.Firewall.State != phase.FirewallRolledBack || res.Firewall.Confirm == "" {
				t.Fatalf("host result %+v firewall %+v: want rolled back with the confirm error", res, res.Firewall)
			}
			requireTypes(t, storedEvents(t, db, r.report(t).ID), event.TypeFirewallApplied, event.TypeFirewallRolledBack)
			requireReach(t, h, []int{22}, true)
			requireReach(t, h, closedDecoys, false) // their INPUT policy, still DROP
			if got := owned(t, l, h); strings.TrimSpace(got) != "" {
				t.Errorf("rules left after the rollback:\n%s", got)
			}
			if got := foreign(t, l, h); got != theirs {
				t.Errorf("foreign rules changed:\n%s\nwant\n%s", got, theirs)
			}
			if w := watchdogs(t, l, h); w != "" {
				t.Errorf("watchdog still running after the rollback: %s", w)
			}
		})
	}
	r := ck8sctl(t, "harden", "-p", firewallPlaybook(t, l, "  backend: iptables\n", h), "--db", db)
	if r.code != ExitOK {
		t.Fatalf("normal profile on the hand-hardened host: exit %d\n%s", r.code, r.stderr)
	}
	if got := foreign(t, l, h); got != theirs {
		t.Errorf("foreign rules changed by the apply:\n%s\nwant\n%s", got, theirs)
	}
	requireReach(t, h, openPorts, true)
}

// TestHardenLinkCut cuts the host's link right after the apply, for longer
// than the confirm window: the watchdog rolls back, the orchestrator gets
// the rest of the run from the host's journal once the link is back, and
// the run exits 4 with the host reachable.
func TestHardenLinkCut(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	pb := firewallPlaybook(t, l, "  backend: nftables\n  confirmTimeout: 3s\n", h)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cut := make(chan error, 1)
	go func() {
		if !waitFile(ctx, pendingFile(l, h)) {
			cut <- ctx.Err()
			return
		}
		if err := l.SetLinkDown(h, true); err != nil {
			cut <- err
			return
		}
		time.Sleep(5 * time.Second)
		cut <- l.SetLinkDown(h, false)
	}()
	r := ck8sctl(t, "harden", "-p", pb, "--db", filepath.Join(t.TempDir(), "ck8s.db"), "-o", "json")
	if err := <-cut; err != nil {
		t.Fatal(err)
	}
	if r.code != ExitRolledBack {
		t.Fatalf("exit %d, want %d\n%s\n%s", r.code, ExitRolledBack, r.stdout, r.stderr)
	}
	requireReach(t, h, []int{22}, true)
	if got := owned(t, l, h); strings.TrimSpace(got) != "" {
		t.Errorf("rules left after the rollback:\n%s", got)
	}
}

// TestHardenClosesDNAT forwards an outside port of one lab host to a
// service on another, as kube-proxy does for a NodePort: the forwarded
// traffic never passes INPUT, so only the profile's pre-DNAT chain closes
// it. Reachable before, closed after, while the allowed ports still work.
func TestHardenClosesDNAT(t *testing.T) {
	l := newLab(t, 2)
	node, svc := l.Hosts[0], l.Hosts[1]
	onHost(t, l, node, "sysctl -qw net.ipv4.ip_forward=1 && "+
		"iptables -t nat -A PREROUTING -p tcp --dport 30080 -j DNAT --to-destination "+svc.Addr4.String()+":8080 && "+
		"iptables -t nat -A POSTROUTING -p tcp -d "+svc.Addr4.String()+" --dport 8080 -j MASQUERADE")
	if !dialable(node.Addr4, 30080) {
		t.Fatal("the NodePort-like forward does not work before hardening; the test proves nothing")
	}
	r := ck8sctl(t, "harden", "-p", firewallPlaybook(t, l, "  backend: auto\n", node), "--db", filepath.Join(t.TempDir(), "ck8s.db"))
	if r.code != ExitOK {
		t.Fatalf("harden: exit %d\n%s", r.code, r.stderr)
	}
	if dialable(node.Addr4, 30080) {
		t.Error("port 30080, forwarded to another host, still answers after hardening")
	}
	requireReach(t, node, openPorts, true)
	if !dialable(svc.Addr4, 8080) {
		t.Error("the service host itself (not hardened) stopped answering")
	}
}
