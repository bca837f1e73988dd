package cli

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/fence"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck/tlstest"
)

// TestTLSPlaybookBadInput: a bad `checks: tls:` section exits 2 with the
// playbook, line and key, before anything runs: the database is not even
// created. A private key given as caFile is refused without echoing it.
// (Every bad value is in the playbook package's TestChecksErrors.)
func TestTLSPlaybookBadInput(t *testing.T) {
	agenttest.Require(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0\n-----END EC PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pb := filepath.Join(dir, "playbook.yaml")
	for _, tc := range []struct{ tls, msg string }{
		{"\n    bogus: 1", pb + ":4: checks.tls.bogus: unknown key (caFile, minValid, port, timeout, httpRedirect)"},
		{" [443]", pb + ":3: checks.tls: must be a mapping, got a list"},
		{"\n    port: 8443\n    timeout: -1s", pb + ":5: checks.tls.timeout: must not be negative, got -1s"},
		{"\n    caFile: missing.pem", pb + ":4: checks.tls.caFile: cannot read " + filepath.Join(dir, "missing.pem") + ": no such file or directory"},
		{"\n    caFile: key.pem", pb + ":4: checks.tls.caFile: CA bundle " + filepath.Join(dir, "key.pem") + ": no PEM CERTIFICATE block"},
	} {
		doc := "domain: staging.lab.test\nchecks:\n  tls:" + tc.tls + "\nhosts:\n  - name: lab-1\n    address: 198.18.250.11\n"
		if err := os.WriteFile(pb, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(dir, "ck8s.db")
		r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db)
		if r.code != ExitBadInput || !strings.Contains(r.stderr, tc.msg) || strings.Contains(r.stderr, "c2VjcmV0") {
			t.Errorf("tls:%s\nexit %d, stderr %q; want exit 2 and %q", tc.tls, r.code, r.stderr, tc.msg)
		}
		if _, err := os.Stat(db); !os.IsNotExist(err) {
			t.Errorf("tls:%s: the database exists (%v): the run got past input checking", tc.tls, err)
		}
	}
}

// TestBootstrapTLSCheck: with `checks: tls:` bootstrap checks the domain's
// certificate on each of the host's addresses (IPv4 and IPv6 here), with
// the playbook's CA bundle (a relative caFile), after the agent. A lab
// host serves three certificates of a test CA on three ports the firewall
// allows (its decoy keeps 443): valid → exit 0 and tls.check.passed
// stored; expired and for another name → exit 1, tls.check.failed with
// the reason, numbered after the agent's events.
func TestBootstrapTLSCheck(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	const domain = "staging.lab.test"
	ca := tlstest.NewCA(t, tlstest.Name{CN: "ck8s bootstrap test root"})
	valid := tlstest.ServeIn(t, h.NetNS, ca.Valid(t, domain), 0, 0)
	expired := tlstest.ServeIn(t, h.NetNS, ca.Issue(t, tlstest.Leaf{Names: []string{domain},
		NotBefore: time.Now().Add(-90 * 24 * time.Hour), NotAfter: time.Now().Add(-2 * 24 * time.Hour)}), 0, 0)
	wrongName := tlstest.ServeIn(t, h.NetNS, ca.Valid(t, "other.lab.test"), 0, 0)
	caPEM, err := os.ReadFile(ca.WriteFile(t))
	if err != nil {
		t.Fatal(err)
	}
	spec := hostSpec{host: h, extra: fmt.Sprintf("    expectIPs: [%s, %s]\n", h.Addr4, h.Addr6)}
	db := filepath.Join(t.TempDir(), "ck8s.db")
	bootstrap := func(port uint16) (result, report.Host, []event.Event) {
		t.Helper()
		top := fmt.Sprintf("firewall:\n  allowTCP: [22, 80, 443, %d, %d, %d]\nchecks:\n  tls:\n    caFile: ca.pem\n    port: %d\n    timeout: 3s\n",
			valid, expired, wrongName, port)
		pb := writePlaybook(t, l, l.KnownHostsFile, top, spec)
		if err := os.WriteFile(filepath.Join(filepath.Dir(pb), "ca.pem"), caPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
		rep := r.report(t)
		return r, rep.Hosts[0], storedEvents(t, db, rep.ID)
	}
	tlsEvents := func(evs []event.Event) []event.Event {
		t.Helper()
		var out []event.Event
		agentLast := int64(0)
		for i, e := range evs {
			if e.Seq != int64(i+1) {
				t.Fatalf("event %d has seq %d: seqs must run 1..N", i, e.Seq)
			}
			if e.Step == "tls" {
				out = append(out, e)
			} else if len(out) > 0 {
				t.Errorf("%s after the TLS check's events", e.Type)
			} else {
				agentLast = e.Seq
			}
		}
		if agentLast == 0 {
			t.Error("no agent events before the TLS check's")
		}
		return out
	}

	r, res, evs := bootstrap(valid)
	if r.code != ExitOK || res.Status != phase.StatusOK || len(res.TLS) != 2 {
		t.Fatalf("valid: exit %d, %+v\n%s", r.code, res, r.stderr)
	}
	for i, want := range []string{fmt.Sprintf("%s:%d", h.Addr4, valid), fmt.Sprintf("[%s]:%d", h.Addr6, valid)} {
		if rep := res.TLS[i]; !rep.Passed || rep.Addr != want || rep.Domain != domain || rep.Certificate == nil || !rep.ChainVerified {
			t.Errorf("valid, report %d: %+v, want passed at %s", i, rep, want)
		}
	}
	tev := tlsEvents(evs)
	for _, e := range tev {
		t.Logf("%d %s %s: %s", e.Seq, e.Type, e.Status, e.Message)
		if e.Type != event.TypeTLSCheckPassed || e.Status != event.StatusOK || !strings.Contains(e.Message, "chain verified against caFile ") ||
			strings.Contains(string(e.Data), "PRIVATE KEY") {
			t.Errorf("valid: event %s %s %q", e.Type, e.Status, e.Message)
		}
	}
	if len(tev) != 2 {
		t.Errorf("valid: %d tls events, want 2", len(tev))
	}

	for _, tc := range []struct {
		name   string
		port   uint16
		reason string
	}{
		{"expired", expired, "certificate expired at "},
		{"wrong name", wrongName, "certificate is not valid for staging.lab.test: it names other.lab.test"},
	} {
		r, res, evs := bootstrap(tc.port)
		if r.code != ExitFailed || res.Status != phase.StatusFailed || res.Phase != "tls" || !strings.Contains(res.Error, "TLS check failed") ||
			!strings.Contains(res.Error, tc.reason) || len(res.TLS) != 2 {
			t.Fatalf("%s: exit %d, %+v\n%s", tc.name, r.code, res, r.stderr)
		}
		tev := tlsEvents(evs)
		for _, e := range tev {
			t.Logf("%s: %d %s %s: %s", tc.name, e.Seq, e.Type, e.Status, e.Message)
			if e.Type != event.TypeTLSCheckFailed || e.Status != event.StatusFailed || !strings.Contains(e.Message, tc.reason) {
				t.Errorf("%s: event %s %s %q", tc.name, e.Type, e.Status, e.Message)
			}
		}
		if len(tev) != 2 {
			t.Errorf("%s: %d tls events, want 2", tc.name, len(tev))
		}
	}
}

// TestBootstrapScansFactsAddrs: the port scan adds the host's own
// addresses as its facts report them. The lab host gets a second IPv4
// address in the lab's own /24 (reachable from here through the lab
// bridge): it is scanned and compliant after hardening. With the network
// fence narrowed to IPv4, the host's IPv6 address (in facts, not in the
// playbook) is reported as skipped (ports.scan.skipped), not scanned and
// not fatal. The TLS check runs after the scan.
func TestBootstrapScansFactsAddrs(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	b := h.Addr4.As4()
	b[3] = 200
	second := netip.AddrFrom4(b)
	ifc := strings.TrimSpace(onHost(t, l, h, fmt.Sprintf(`ip -o -4 addr show | awk '$4 ~ /^%s\// {print $2}'`, strings.ReplaceAll(h.Addr4.String(), ".", `\.`))))
	if ifc == "" {
		t.Fatalf("no interface with %s on %s", h.Addr4, h.Name)
	}
	onHost(t, l, h, fmt.Sprintf("ip addr add %s/24 dev %s", second, ifc))
	c, err := net.DialTimeout("tcp", netip.AddrPortFrom(second, uint16(h.Port)).String(), 5*time.Second)
	if err != nil {
		t.Fatalf("%s is not reachable from the root namespace: %v", second, err)
	}
	c.Close()

	ca := tlstest.NewCA(t, tlstest.Name{CN: "ck8s facts test root"})
	port := tlstest.ServeIn(t, h.NetNS, ca.Valid(t, "staging.lab.test"), 0, 0)
	top := fmt.Sprintf("firewall:\n  allowTCP: [22, 80, 443, %d]\nchecks:\n  ports:\n    expect: [22, 80, 443, %d]\n  tls:\n    caFile: %s\n    port: %d\n",
		port, port, ca.WriteFile(t), port)
	pb := writePlaybook(t, l, l.KnownHostsFile, top, hostSpec{host: h}) // expectIPs: the IPv4 address only
	t.Setenv(fence.Env, "127.0.0.0/8,::1,198.18.0.0/15")
	db := filepath.Join(t.TempDir(), "ck8s.db")
	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
	rep := r.report(t)
	res := rep.Hosts[0]
	if r.code != ExitOK || res.Status != phase.StatusOK {
		t.Fatalf("exit %d, %+v\n%s", r.code, res, r.stderr)
	}
	var targets []string
	for _, f := range res.Scan {
		targets = append(targets, f.Target)
		if want := fmt.Sprintf("22,80,443,%d", port); scan.FormatPorts(f.Open) != want || !f.Compliant {
			t.Errorf("%s: open %v, compliant %t; want %s", f.Target, f.Open, f.Compliant, want)
		}
	}
	if want := []string{h.Addr4.String(), second.String()}; strings.Join(targets, " ") != strings.Join(want, " ") {
		t.Errorf("scanned %v, want %v (the playbook's, then the facts')", targets, want)
	}
	if len(res.ScanSkipped) != 1 || res.ScanSkipped[0].Target != h.Addr6.String() || res.ScanSkipped[0].Interface != ifc ||
		!strings.Contains(res.ScanSkipped[0].Reason, "outside "+fence.Env) {
		t.Errorf("skipped: %+v, want %s on %s outside the fence", res.ScanSkipped, h.Addr6, ifc)
	}
	if len(res.TLS) != 1 || !res.TLS[0].Passed {
		t.Errorf("TLS: %+v", res.TLS)
	}
	var order []string
	for _, e := range storedEvents(t, db, rep.ID) {
		switch e.Type {
		case event.TypePortsScanSkipped, event.TypePortsScanCompleted, event.TypeTLSCheckPassed:
			order = append(order, e.Type)
			t.Logf("%d %s %s: %s", e.Seq, e.Type, e.Status, e.Message)
		}
		if e.Type == event.TypePortsScanCompleted && strings.Contains(e.Message, second.String()) &&
			(!strings.HasPrefix(e.Message, "from facts: ") || !strings.Contains(string(e.Data), `"source":"facts"`)) {
			t.Errorf("the facts address's event does not say where it came from: %q %s", e.Message, e.Data)
		}
	}
	want := []string{event.TypePortsScanSkipped, event.TypePortsScanCompleted, event.TypePortsScanCompleted, event.TypeTLSCheckPassed}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("events %v, want %v", order, want)
	}
}
