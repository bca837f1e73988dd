package serve_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// TestStopDuringFirewallChange stops serve — SIGKILL, then SIGTERM with
// a grace too short for the run — as a harden's firewall change is
// applied on a lab host. Whatever the moment, the host ends the change
// itself (confirmed, or rolled back by its watchdog: no change is left
// pending) and stays reachable; the run is not left "running"; and the
// next run on the host completes the interrupted one from the host's
// journal, closing it with journal.imported.
func TestStopDuringFirewallChange(t *testing.T) {
	testenv.RequireRoot(t)
	agenttest.Require(t)
	l := labtest.NewWith(t, 1, labtest.WithDNS)
	h := l.Hosts[0]
	cfg := writeConfig(t, labPlaybook(l), "")
	setGrace(t, cfg.Path, "1ms") // SIGTERM cancels the run at once
	db := filepath.Join(t.TempDir(), "serve.db")
	addr := freeAddr(t)
	c := &client{t: t, base: "http://" + addr, token: apiToken}

	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			c.t = t
			onHost(t, l, h, "nft delete table inet ck8s 2>/dev/null; true") // so harden changes the firewall
			proc := startServe(t, cfg.Path, db, addr)
			id := c.start(`{"action":"harden","playbook":"staging"}`)
			types := c.waitFor(id, event.TypeFirewallApplied)
			if err := proc.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			_ = proc.Wait()
			t.Logf("%s after %d events: %v", sig, len(types), types[max(0, len(types)-3):])

			// confirmTimeout (20s) + 15s: the change is over on the host.
			noPending(t, l, h, 35*time.Second)

			startServe(t, cfg.Path, db, addr)
			// The stored status, not the API's view: a run cut short by
			// SIGTERM has a report (its hosts' outcomes) all the same.
			if st := queryStrings(t, db, `SELECT status FROM runs WHERE id = '`+id+`'`); len(st) != 1 || st[0] != "interrupted" {
				t.Fatalf("run %s is %q after serve stopped under it, want interrupted", id, st)
			}
			next := c.start(`{"action":"harden","playbook":"staging"}`)
			if rep := c.wait(next); rep.Status != report.RunOK {
				t.Fatalf("the next harden: %s\n%s", rep.Status, mustJSON(rep))
			}
			evs := c.events(id)
			last := evs[len(evs)-1]
			if last.Type != event.TypeJournalImported || last.Status != event.StatusOK || !strings.Contains(last.Message, next) && !strings.Contains(string(last.Data), next) {
				t.Fatalf("interrupted run %s ends with %s %s %q %s, want journal.imported ok by %s", id, last.Type, last.Status, last.Message, last.Data, next)
			}
			t.Logf("%s: %s", id, last.Message)
			have := typesOf(evs)
			if !slices.Contains(have, event.TypeBootstrapFinished) ||
				!slices.Contains(have, event.TypeFirewallConfirmed) && !slices.Contains(have, event.TypeFirewallRolledBack) {
				t.Errorf("interrupted run %s after the import: %v; want the host's end of the change and of the run", id, have)
			}
		})
	}
}

func setGrace(t *testing.T, path, grace string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), "grace: 30s", "grace: "+grace, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// noPending waits until the host has no firewall change pending.
func noPending(t *testing.T, l *lab.Lab, h lab.Host, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out, err := l.Exec(t.Context(), h, "sh", "-c", "find /var/lib/ck8s -name pending.json")
		if err == nil && strings.TrimSpace(string(out)) == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a firewall change is still pending on %s %s after the orchestrator stopped: %s %v", h.Name, within, out, err)
		}
		time.Sleep(time.Second)
	}
}

type apiEvent struct {
	ID    int64       `json:"id"`
	Event event.Event `json:"event"`
}

// events is a run's stored events, in order.
func (c *client) events(id string) []event.Event {
	c.t.Helper()
	var body struct{ Events []apiEvent }
	if code := c.get("/v1/runs/"+id+"/events", &body); code != http.StatusOK {
		c.t.Fatalf("GET events of %s: %d", id, code)
	}
	out := make([]event.Event, len(body.Events))
	for i, e := range body.Events {
		out[i] = e.Event
	}
	return out
}

// waitFor polls a run's events until one of type typ is stored.
func (c *client) waitFor(id, typ string) []string {
	c.t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if have := typesOf(c.events(id)); slices.Contains(have, typ) {
			return have
		}
	}
	c.t.Fatalf("run %s: no %s event", id, typ)
	return nil
}

func typesOf(evs []event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprint(e.Type)
	}
	return out
}
