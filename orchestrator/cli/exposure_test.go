package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// TestBootstrapExposure: bootstrap with `checks: ports:` joins the agent's
// listeners with the outside scan. Before hardening (--check) the lab's
// decoys past 22/80/443 are violations naming the decoy process, sshd and
// the web decoys are allowed, and a listener the test binds to 127.0.0.1
// inside the host is local. Recorded as ports.exposure after the scan's
// events. After bootstrap hardened the host, the decoys are shielded.
func TestBootstrapExposure(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	const localPort = 17777
	pid := strings.TrimSpace(onHost(t, l, h, fmt.Sprintf(`/usr/bin/python3 -c 'import socket,time
s=socket.socket(); s.bind(("127.0.0.1", %d)); s.listen(); time.sleep(600)' >/dev/null 2>&1 & echo $!`, localPort)))
	t.Cleanup(func() { _, _ = l.Exec(t.Context(), h, "kill", pid) })
	onHost(t, l, h, fmt.Sprintf(`for i in $(seq 50); do grep -q ':%04X 00000000:0000 0A' /proc/net/tcp && exit 0; sleep 0.1; done; exit 1`, localPort))

	spec := hostSpec{host: h, extra: fmt.Sprintf("    expectIPs: [%s, %s]\n", h.Addr4, h.Addr6)}
	pb := writePlaybook(t, l, l.KnownHostsFile, "checks:\n  ports:\n    expect: [22, 80, 443]\n", spec)
	db := filepath.Join(t.TempDir(), "ck8s.db")
	r := ck8sctl(t, "bootstrap", "--check", "-p", pb, "--db", db, "-o", "json")
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	res := r.report(t).Hosts[0]
	decoys := procOf(t, l, h)
	byPort := map[uint16][]phase.Exposure{}
	for _, e := range res.Exposure {
		byPort[e.Port] = append(byPort[e.Port], e)
	}
	check := func(port uint16, state, verdict, process string) {
		t.Helper()
		es := byPort[port]
		if len(es) == 0 {
			t.Errorf("port %d: not in the exposure %+v", port, res.Exposure)
		}
		for _, e := range es {
			if e.State != state || e.Verdict != verdict || e.Process != process || e.PID == 0 {
				t.Errorf("port %d: %+v, want %s %s by %s", port, e, state, verdict, process)
			}
		}
	}
	check(22, phase.Exposed, phase.Allowed, "sshd")
	for _, p := range []uint16{80, 443} {
		check(p, phase.Exposed, phase.Allowed, decoys)
	}
	for _, p := range []uint16{5432, 6443, 8080, 9100, 10250} {
		check(p, phase.Exposed, phase.Violation, decoys)
		if es := byPort[p]; len(es) != 2 || len(es[0].OpenOn)+len(es[1].OpenOn) < 2 {
			t.Errorf("port %d: want an IPv4 and an IPv6 listener, open outside: %+v", p, es)
		}
	}
	check(localPort, phase.Local, "", "python3")
	if n := len(res.Exposure); n != 2*8+1 {
		t.Errorf("%d exposure entries, want 17 (8 ports on two families, one local): %+v", n, res.Exposure)
	}

	evs := storedEvents(t, db, r.report(t).ID)
	last := evs[len(evs)-1]
	t.Logf("%s: %s", last.Type, last.Message)
	if last.Type != event.TypePortsExposure || last.Status != event.StatusFailed || !strings.Contains(last.Message, "5432/"+decoys+" (violation)") {
		t.Errorf("last event: %s %s %q, want a failed ports.exposure", last.Type, last.Status, last.Message)
	}

	r = ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("bootstrap: exit %d\n%s", r.code, r.stderr)
	}
	res = r.report(t).Hosts[0]
	byPort = map[uint16][]phase.Exposure{}
	for _, e := range res.Exposure {
		byPort[e.Port] = append(byPort[e.Port], e)
	}
	for _, p := range []uint16{5432, 6443, 8080, 9100, 10250} {
		check(p, phase.Shielded, "", decoys)
	}
	check(22, phase.Exposed, phase.Allowed, "sshd")
}

// procOf is the comm of h's decoy listener process.
func procOf(t *testing.T, l *lab.Lab, h lab.Host) string {
	t.Helper()
	pid := l.DecoysPID(h)
	if pid == 0 {
		t.Fatalf("decoys of %s are not running", h.Name)
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(comm))
}
