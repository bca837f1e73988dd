package action

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck/tlstest"
)

// load writes a playbook body (hosts appended) and loads it.
func load(t *testing.T, body string) *playbook.Playbook {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pb.yaml")
	if err := os.WriteFile(p, []byte(body+"hosts:\n  - {name: a, address: 198.18.0.11}\n  - {name: b, address: 198.18.0.12}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func prepare(t *testing.T, name Name, pb *playbook.Playbook) (*Prepared, error) {
	t.Helper()
	return Prepare(Options{Action: name, Playbook: pb, Forks: 4, SSH: func(h playbook.Host) host.Config { return host.Config{Name: h.Name} }})
}

func mustPrepare(t *testing.T, name Name, pb *playbook.Playbook) *Prepared {
	t.Helper()
	p, err := prepare(t, name, pb)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSpecs: the actions' agent steps, in order, live in one table; a
// read-only action is always check mode.
func TestSpecs(t *testing.T) {
	pb := load(t, "domain: staging.lab.test\n")
	for name, want := range map[Name]string{
		Bootstrap: "dns,facts,firewall,metrics,listeners",
		Harden:    "firewall,listeners",
		Sweep:     "dns,facts,firewall,metrics,listeners",
	} {
		p := mustPrepare(t, name, pb)
		if got := strings.Join(p.Steps, ","); got != want {
			t.Errorf("%s: steps %s, want %s", name, got, want)
		}
		if p.check != (name == Sweep) {
			t.Errorf("%s: check %t", name, p.check)
		}
	}
	if _, err := Lookup("deploy"); !errors.Is(err, ErrInput) {
		t.Errorf("unknown action: %v", err)
	}
	if !slices.Equal(Names(), []Name{Bootstrap, Harden, Sweep}) {
		t.Errorf("names %v", Names())
	}
}

// TestHTTP01Section: `checks: http01:` inserts the http01 step right after
// the firewall in bootstrap only (a sweep changes nothing, not even port
// 80 for a moment), and gives each host its own challenge.
func TestHTTP01Section(t *testing.T) {
	pb := load(t, "domain: staging.lab.test\nchecks:\n  http01:\n")
	p := mustPrepare(t, Bootstrap, pb)
	if p.http01 == nil || p.http01.Timeout != playbook.DefaultHTTP01Timeout {
		t.Fatalf("rehearsal %+v", p.http01)
	}
	if want := "dns,facts,firewall,http01,metrics,listeners"; strings.Join(p.Steps, ",") != want {
		t.Errorf("steps %v, want %s", p.Steps, want)
	}
	for _, name := range []Name{Harden, Sweep} {
		if q := mustPrepare(t, name, pb); q.http01 != nil || slices.Contains(q.Steps, "http01") {
			t.Errorf("%s got the rehearsal: %v", name, q.Steps)
		}
	}
	ts, err := p.targets("r1", nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := ts[0].Plan.HTTP01, ts[1].Plan.HTTP01
	if a.Token == b.Token || !strings.HasPrefix(a.Body, a.Token+".") || len(a.Token) != 43 || time.Duration(a.Window) != 15*time.Second {
		t.Errorf("challenges %+v %+v", a, b)
	}
	if q := mustPrepare(t, Bootstrap, load(t, "domain: x.test\n")); q.http01 != nil || len(q.Steps) != 5 {
		t.Errorf("without the section: %v", q.Steps)
	}
}

// TestManifestsTurnOnTheirChecks: a playbook with a manifests section gets,
// in bootstrap and without asking, the http-01 rehearsal before the
// manifests step (which waits for its verdict) and the TLS check after
// it; a staging issuer's untrusted chain is a warning, a production
// issuer's staging certificate a failure. harden leaves all three out; a
// sweep checks manifests drift and TLS but does not rehearse. The plan
// carries exactly what render prints.
func TestManifestsTurnOnTheirChecks(t *testing.T) {
	doc := func(production bool) string {
		d := "domain: staging.lab.test\nmanifests:\n  certManager: {version: v1.21.2}\n  acme:\n    email: ops@lab.test\n"
		if production {
			d += "    production: true\n"
		}
		return d + "  ingress: {service: web}\n"
	}
	p := mustPrepare(t, Bootstrap, load(t, doc(false)))
	if want := []string{"dns", "facts", "firewall", "http01", "manifests", "metrics", "listeners"}; !slices.Equal(p.Steps, want) {
		t.Errorf("steps %v, want %v", p.Steps, want)
	}
	mp := p.manifests
	if mp == nil || mp.Issuer != "letsencrypt-staging" || mp.Certificate.Namespace != "default" || mp.Certificate.Name != "staging" || len(mp.Objects) < 5 {
		t.Fatalf("plan %+v", mp)
	}
	pl := &plan.Plan{Protocol: event.Protocol, RunID: "r", Host: "a", Steps: p.Steps, Manifests: mp}
	if err := pl.Validate(); err != nil {
		t.Errorf("plan does not validate: %v", err)
	}
	if ph := p.tls; ph.Addrs == nil || !ph.Config.StagingUntrusted || ph.Config.RejectStaging {
		t.Errorf("staging: TLS phase %+v", ph.Config)
	}
	if ph := mustPrepare(t, Bootstrap, load(t, doc(true))).tls; ph.Addrs == nil || ph.Config.StagingUntrusted || !ph.Config.RejectStaging {
		t.Errorf("production: TLS phase %+v", ph.Config)
	}
	h := mustPrepare(t, Harden, load(t, doc(false)))
	if h.http01 != nil || h.manifests != nil || h.tls.Addrs != nil || !slices.Equal(h.Steps, []string{"firewall", "listeners"}) {
		t.Errorf("harden: steps %v, tls %t", h.Steps, h.tls.Addrs != nil)
	}
	s := mustPrepare(t, Sweep, load(t, doc(false)))
	if s.http01 != nil || s.manifests == nil || s.tls.Addrs == nil || !slices.Contains(s.Steps, "manifests") {
		t.Errorf("sweep: steps %v", s.Steps)
	}
	// The sweep's thresholds: fail below certFail (7d), warn below 21d.
	if s.tls.Config.MinValid != 7*24*time.Hour || s.tls.WarnDays != 21 {
		t.Errorf("sweep thresholds: minValid %s warn %d", s.tls.Config.MinValid, s.tls.WarnDays)
	}
}

// TestSweepScansAlways: a sweep scans every host from outside with the
// defaults when the playbook has no checks.ports, on one shared scanner;
// bootstrap scans only when asked.
func TestSweepScansAlways(t *testing.T) {
	pb := load(t, "domain: staging.lab.test\n")
	s := mustPrepare(t, Sweep, pb)
	if s.scan.Addrs == nil || len(s.scan.Ports) != 65535 || !slices.Equal(s.scan.Expect, []uint16{22, 80, 443}) || !s.Spec.SharedScan {
		t.Errorf("sweep scan: %d ports, expect %v", len(s.scan.Ports), s.scan.Expect)
	}
	if got := s.scan.Addrs("b"); len(got) != 1 || got[0].String() != "198.18.0.12" {
		t.Errorf("addresses of b: %v", got)
	}
	if b := mustPrepare(t, Bootstrap, pb); b.scan.Addrs != nil {
		t.Error("bootstrap scans without checks.ports")
	}
}

// TestBadInput: every problem is ErrInput, before anything runs.
func TestBadInput(t *testing.T) {
	pb := load(t, "domain: staging.lab.test\n")
	ssh := func(h playbook.Host) host.Config { return host.Config{} }
	for name, o := range map[string]Options{
		"forks":     {Action: Sweep, Playbook: pb, Forks: 0, SSH: ssh},
		"lock wait": {Action: Harden, Playbook: pb, Forks: 1, LockWait: -time.Second, SSH: ssh},
		"no hosts":  {Action: Sweep, Playbook: pb, Hosts: []playbook.Host{}, Forks: 1, SSH: ssh},
		"action":    {Action: "deploy", Playbook: pb, Forks: 1, SSH: ssh},
	} {
		if _, err := Prepare(o); !errors.Is(err, ErrInput) {
			t.Errorf("%s: %v, want ErrInput", name, err)
		}
	}
}

// TestTLSFromPlaybook: the TLS phase takes the playbook's values and
// loads its caFile (relative to the playbook); a caFile without
// certificates is a playbook error at its line, and bad input.
func TestTLSFromPlaybook(t *testing.T) {
	dir := t.TempDir()
	ca := tlstest.NewCA(t, tlstest.Name{CN: "ck8s action test root"})
	pem, err := os.ReadFile(ca.WriteFile(t))
	if err != nil {
		t.Fatal(err)
	}
	writeFile := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("roots.pem", pem)
	writeFile("empty.pem", nil)
	loadIn := func(checks string) *playbook.Playbook {
		t.Helper()
		writeFile("pb.yaml", []byte("domain: staging.lab.test\nhosts: [{name: a, address: 198.18.0.11}]\n"+checks))
		pb, err := playbook.Load(filepath.Join(dir, "pb.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return pb
	}
	ph := mustPrepare(t, Bootstrap, loadIn("checks:\n  tls:\n    caFile: roots.pem\n    minValid: 30d\n    port: 8443\n    timeout: 2s\n    httpRedirect: true\n")).tls
	if ph.Addrs == nil || ph.Port != 8443 || ph.Config.MinValid != 30*24*time.Hour || ph.Config.Timeout != 2*time.Second ||
		!ph.Config.HTTPRedirect || ph.Config.Roots == nil || ph.Config.RootsName != "caFile "+filepath.Join(dir, "roots.pem") ||
		ph.Config.Domain != "staging.lab.test" {
		t.Errorf("%+v", ph)
	}
	if ph := mustPrepare(t, Bootstrap, loadIn("")).tls; ph.Addrs != nil {
		t.Errorf("without the section or manifests: %+v", ph)
	}
	ph = mustPrepare(t, Harden, loadIn("checks:\n  tls:\n")).tls
	if ph.Addrs == nil || ph.Port != tlscheck.DefaultPort || ph.Config.MinValid != tlscheck.DefaultMinValid || ph.Config.Roots != nil {
		t.Errorf("tls: alone: %+v; want the defaults", ph)
	}
	_, err = prepare(t, Bootstrap, loadIn("checks:\n  tls: {caFile: empty.pem}\n"))
	var pe *playbook.Error
	if !errors.As(err, &pe) || pe.Line != 4 || pe.Path != "checks.tls.caFile" || !errors.Is(err, ErrInput) {
		t.Errorf("empty caFile: %v (%#v)", err, pe)
	}
}
