package cli

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestLabDemo is `make demo` in process: `lab up` brings up a lab that
// serves its own zone, and bootstrap with the playbook it wrote runs the
// real DNS preflight, which passes on every host (authoritative view and
// the host's resolver). The lab starts the test binary as its listener and
// DNS server (labtest.Main understands `lab listen` and `lab dns`).
func TestLabDemo(t *testing.T) {
	testenv.RequireRoot(t)
	agenttest.Require(t)
	dir := filepath.Join(t.TempDir(), "lab")
	t.Cleanup(func() {
		if r := ck8sctl(t, "lab", "down", "--dir", dir); r.code != ExitOK {
			t.Errorf("lab down: exit %d\n%s", r.code, r.stderr)
		}
	})
	up := func() result {
		// A random index like labtest's, retried when another lab has it.
		for range 50 {
			r := ck8sctl(t, "lab", "up", "--dir", dir, "--hosts", "2", "--index", fmt.Sprint(1+rand.IntN(255)))
			if r.code == ExitOK || !strings.Contains(r.stderr, "index in use") {
				return r
			}
		}
		t.Fatal("lab up: no free lab index after 50 tries")
		return result{}
	}
	r := up()
	if r.code != ExitOK || !strings.Contains(r.stdout, "dns:") {
		t.Fatalf("lab up: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("%s", r.stdout)

	db := filepath.Join(t.TempDir(), "ck8s.db")
	r = ck8sctl(t, "--log-level", "warn", "bootstrap", "-p", filepath.Join(dir, "playbook.yaml"), "--db", db, "-o", "json")
	// The demo's whole flow: DNS preflight, firewall, and the outside scan
	// finding exactly 22/80/443.
	if r.code != ExitOK {
		t.Fatalf("bootstrap: exit %d\n%s", r.code, r.stderr)
	}
	rep := r.report(t)
	by := map[string]event.Event{}
	for _, e := range storedEvents(t, db, rep.ID) {
		switch e.Type {
		case event.TypeDNSPassed:
			by[e.Host] = e
		case event.TypeDNSFailed, event.TypeDNSSkipped:
			t.Errorf("%s on %s: %s", e.Type, e.Host, e.Message)
		}
	}
	for _, h := range []string{"lab-1", "lab-2"} {
		e, ok := by[h]
		if !ok {
			t.Errorf("no %s event for %s (stored: %d hosts)", event.TypeDNSPassed, h, len(by))
			continue
		}
		var data struct {
			Authoritative struct{ Passed bool }
			Host          struct {
				OK    bool
				Addrs []string
			}
		}
		if err := json.Unmarshal(e.Data, &data); err != nil || !data.Authoritative.Passed || !data.Host.OK || len(data.Host.Addrs) != 4 {
			t.Errorf("%s on %s: data %s; want both views passed, 4 addresses", e.Type, h, e.Data)
		}
	}
}
