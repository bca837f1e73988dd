package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/agent/http01"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// TestBootstrapHTTP01 runs the ACME http-01 rehearsal against a real lab
// host, in four situations one after the other:
//   - port 80 held by the lab's ingress decoy: occupied mode, the decoy's
//     404 over HTTP on both families passes;
//   - the firewall closes 80 (allowTCP without it): failed, timeout;
//   - port 80 free (decoys stopped): the agent serves the token, the body
//     is fetched over IPv4 and IPv6, the agent is told to stop;
//   - port 80 held by a server redirecting to http://other.example/:
//     failed, redirect off-domain, judged without following it.
func TestBootstrapHTTP01(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	spec := hostSpec{host: h, extra: fmt.Sprintf("    expectIPs: [%s, %s]\n", h.Addr4, h.Addr6)}
	const checks = "checks:\n  http01:\n    timeout: 2s\n"
	open := writePlaybook(t, l, l.KnownHostsFile, checks, spec)
	closed := writePlaybook(t, l, l.KnownHostsFile, checks+"firewall:\n  allowTCP: [22, 443]\n", spec)
	db := t.TempDir() + "/ck8s.db"

	t.Run("occupied by the decoy", func(t *testing.T) {
		out, evs := rehearse(t, db, open, ExitOK)
		decoys := procOf(t, l, h)
		if out.Mode != "occupied" || out.Owner != decoys || !out.Passed {
			t.Errorf("outcome %+v, want passed, occupied by %s", out, decoys)
		}
		requireResults(t, out, "", 404)
		if e := find(evs, event.TypeHTTP01Occupied); e == nil || !strings.Contains(e.Message, decoys) {
			t.Errorf("no acme.http01.occupied naming %s", decoys)
		}
	})
	t.Run("port 80 closed by the firewall", func(t *testing.T) {
		start := time.Now()
		out, _ := rehearse(t, db, closed, ExitFailed)
		if out.Passed {
			t.Errorf("outcome %+v, want failed", out)
		}
		requireResults(t, out, phase.ReasonTimeout, 0)
		t.Logf("failed in %s", time.Since(start))
	})
	t.Run("port 80 free", func(t *testing.T) {
		if err := syscall.Kill(l.DecoysPID(h), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		waitPort80(t, l, h, false)
		out, evs := rehearse(t, db, open, ExitOK)
		if out.Mode != "serving" || !out.Passed || !out.Stopped {
			t.Errorf("outcome %+v, want passed, served by the agent and stopped", out)
		}
		requireResults(t, out, "", 200)
		var stop http01.Stopped
		if e := find(evs, event.TypeHTTP01Stopped); e == nil || json.Unmarshal(e.Data, &stop) != nil || stop.Reason != "told" || stop.Served != 2 {
			t.Errorf("agent stopped %+v, want told after 2 fetches", stop)
		}
	})
	t.Run("redirect off the domain", func(t *testing.T) {
		pid := strings.TrimSpace(onHost(t, l, h, `/usr/bin/python3 -c '`+redirector+`' >/dev/null 2>&1 & echo $!`))
		t.Cleanup(func() { _, _ = l.Exec(t.Context(), h, "kill", pid) })
		waitPort80(t, l, h, true)
		out, _ := rehearse(t, db, open, ExitFailed)
		if out.Mode != "occupied" || out.Owner != "python3" || out.Passed {
			t.Errorf("outcome %+v, want failed, occupied by python3", out)
		}
		requireResults(t, out, phase.ReasonOffDomain, 302)
		for _, r := range out.Results {
			if len(r.Redirects) != 1 || r.Redirects[0] != "http://other.example/" {
				t.Errorf("%s: redirects %v", r.Addr, r.Redirects)
			}
		}
	})
}

// redirector answers every GET on port 80 (both families) with a redirect
// to another host, as a misconfigured ingress might.
const redirector = `import socket, socketserver, threading
from http.server import BaseHTTPRequestHandler
class H(BaseHTTPRequestHandler):
    def do_GET(s):
        s.send_response(302); s.send_header("Location", "http://other.example/"); s.send_header("Content-Length", "0"); s.end_headers()
    def log_message(s, *a): pass
class S4(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
class S6(S4):
    address_family = socket.AF_INET6
    def server_bind(s):
        s.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); super().server_bind()
a = S4(("0.0.0.0", 80), H); b = S6(("::", 80), H)
threading.Thread(target=a.serve_forever, daemon=True).start(); b.serve_forever()`

// rehearse runs bootstrap with playbook pb, wants exit code want, and
// returns the rehearsal's outcome and the run's events.
func rehearse(t *testing.T, db, pb string, want int) (*phase.HTTP01Outcome, []event.Event) {
	t.Helper()
	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
	if r.code != want {
		t.Fatalf("exit %d, want %d\n%s\n%s", r.code, want, r.stdout, r.stderr)
	}
	rep := r.report(t)
	out := rep.Hosts[0].HTTP01
	if out == nil {
		t.Fatalf("no http01 outcome in the report:\n%s", r.stdout)
	}
	evs := storedEvents(t, db, rep.ID)
	typ := event.TypeHTTP01Passed
	if !out.Passed {
		typ = event.TypeHTTP01Failed
	}
	e := find(evs, typ)
	if e == nil {
		t.Fatalf("no %s event", typ)
	}
	t.Logf("%s: %s", e.Type, e.Message)
	for _, s := range rep.Hosts[0].Steps {
		if s.Name == "http01" {
			t.Logf("agent step http01 took %s; bootstrap %s", s.Duration, rep.Duration)
		}
	}
	return out, evs
}

// requireResults wants one result per family, each with reason (""
// passed) and final HTTP status.
func requireResults(t *testing.T, out *phase.HTTP01Outcome, reason string, status int) {
	t.Helper()
	fams := map[string]bool{}
	for _, r := range out.Results {
		fams[r.Family] = true
		if r.OK != (reason == "") || r.Reason != reason || r.Status != status {
			t.Errorf("%s: ok=%t reason %q status %d (%s), want reason %q status %d", r.Addr, r.OK, r.Reason, r.Status, r.Detail, reason, status)
		}
	}
	if !fams["ipv4"] || !fams["ipv6"] || len(out.Results) != 2 {
		t.Errorf("results %+v, want one IPv4 and one IPv6", out.Results)
	}
}

func find(evs []event.Event, typ string) *event.Event {
	for i := range evs {
		if evs[i].Type == typ {
			return &evs[i]
		}
	}
	return nil
}

// waitPort80 waits until port 80 listens (or not) on h, both families.
func waitPort80(t *testing.T, l *lab.Lab, h lab.Host, listening bool) {
	t.Helper()
	cond := `[ "$(grep -c ':0050 0\{8,32\}:0000 0A' /proc/net/tcp /proc/net/tcp6 | grep -c ':1$')" = 2 ]`
	if !listening {
		cond = `! grep -q ':0050 0\{8,32\}:0000 0A' /proc/net/tcp /proc/net/tcp6`
	}
	onHost(t, l, h, `for i in $(seq 100); do if `+cond+`; then exit 0; fi; sleep 0.1; done; exit 1`)
}
