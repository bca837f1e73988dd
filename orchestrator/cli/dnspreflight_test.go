package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// hostState is what must not change when the preflight fails: the
// firewall in both front ends and the agent's state dir (minus journals).
func hostState(t *testing.T, d *dnsLab) string {
	t.Helper()
	return onHost(t, d.l, d.h, `iptables-save | grep -v '^#'; nft list ruleset; find /var/lib/ck8s -path /var/lib/ck8s/journal -prune -o -print | sort`)
}

func eventsByType(evs []event.Event) map[string][]event.Event {
	out := map[string][]event.Event{}
	for _, e := range evs {
		out[e.Type] = append(out[e.Type], e)
	}
	return out
}

func assertContiguous(t *testing.T, evs []event.Event) {
	t.Helper()
	for i, e := range evs {
		if e.Seq != int64(i+1) || e.Host != "lab-1" {
			t.Fatalf("event %d (%s) has host %s seq %d: want lab-1, contiguous from 1", i, e.Type, e.Host, e.Seq)
		}
	}
}

func TestBootstrapDNSPreflight(t *testing.T) {
	d := newDNSLab(t)
	pb := writePlaybook(t, d.l, d.l.KnownHostsFile, d.playbookTop(), d.hostSpec())
	db := filepath.Join(t.TempDir(), "ck8s.db")

	t.Run("wrong IP fails before anything changes", func(t *testing.T) {
		d.reset(t)
		point(t, d.ns1, "198.18.250.99")
		point(t, d.ns2, "198.18.250.99")
		before := hostState(t, d)
		r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
		if r.code != ExitFailed {
			t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
		}
		rep := r.report(t)
		h := rep.Hosts[0]
		if h.Status != phase.StatusFailed || h.Phase != "dns" || !strings.Contains(h.Error, "198.18.250.99") || h.Uploaded {
			t.Errorf("host result %+v", h)
		}
		if after := hostState(t, d); after != before {
			t.Errorf("the host changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		evs := storedEvents(t, db, rep.ID)
		assertContiguous(t, evs)
		if len(evs) != 1 || evs[0].Type != event.TypeDNSFailed || evs[0].Step != "dns" {
			t.Fatalf("events %+v, want exactly one dns.preflight.failed", evs)
		}
		var data struct {
			Authoritative struct {
				Servers []struct{ Server, Error string }
			}
		}
		if err := json.Unmarshal(evs[0].Data, &data); err != nil || len(data.Authoritative.Servers) != 2 ||
			!strings.Contains(data.Authoritative.Servers[1].Error, "198.18.250.99") {
			t.Errorf("event data %s (%v): want both servers' answers", evs[0].Data, err)
		}
	})

	t.Run("split horizon fails with both views", func(t *testing.T) {
		d.reset(t)
		point(t, d.resolver, "198.18.250.77")
		before := onHost(t, d.l, d.h, `iptables-save | grep -v '^#'; nft list ruleset`)
		r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
		if r.code != ExitFailed {
			t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
		}
		rep := r.report(t)
		if got := stepNames(rep.Hosts[0]); got != "dns:failed,facts:skipped,firewall:skipped,metrics:skipped,listeners:skipped" {
			t.Errorf("steps %s", got)
		}
		evs := storedEvents(t, db, rep.ID)
		assertContiguous(t, evs)
		by := eventsByType(evs)
		if len(by[event.TypeFactsCollected])+len(by[event.TypeMetricsCollected]) != 0 || len(by[event.TypeDNSFailed]) != 1 {
			t.Fatalf("events: %v", by)
		}
		f := by[event.TypeDNSFailed][0]
		for _, want := range []string{"split horizon", "198.18.250.77", d.h.Addr4.String()} {
			if !strings.Contains(f.Message, want) {
				t.Errorf("message %q lacks %q", f.Message, want)
			}
		}
		var data struct {
			Authoritative struct{ Passed bool }
			Host          struct{ Addrs []string }
		}
		if err := json.Unmarshal(f.Data, &data); err != nil || !data.Authoritative.Passed || len(data.Host.Addrs) != 1 || data.Host.Addrs[0] != "198.18.250.77" {
			t.Errorf("event data %s: want the authoritative view (passed) and the host view", f.Data)
		}
		if after := onHost(t, d.l, d.h, `iptables-save | grep -v '^#'; nft list ruleset`); after != before {
			t.Errorf("firewall changed:\n%s\n%s", before, after)
		}
	})

	t.Run("correct A and AAAA pass", func(t *testing.T) {
		d.reset(t)
		r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
		if r.code != ExitOK {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		rep := r.report(t)
		if got := stepNames(rep.Hosts[0]); got != "dns:ok,facts:ok,firewall:changed,metrics:ok,listeners:ok" {
			t.Errorf("steps %s", got)
		}
		evs := storedEvents(t, db, rep.ID)
		assertContiguous(t, evs)
		by := eventsByType(evs)
		if len(by[event.TypeDNSPassed]) != 1 || len(by[event.TypeFactsCollected]) != 1 {
			t.Fatalf("events: %v", by)
		}
		var data struct {
			Authoritative struct {
				Passed  bool
				Servers []struct{ Server string }
			}
			Host struct {
				OK     bool
				Server string
			}
		}
		if err := json.Unmarshal(by[event.TypeDNSPassed][0].Data, &data); err != nil || !data.Authoritative.Passed ||
			len(data.Authoritative.Servers) != 2 || !data.Host.OK || data.Host.Server != d.resolver.Addr {
			t.Errorf("event data %s", by[event.TypeDNSPassed][0].Data)
		}
	})
}
