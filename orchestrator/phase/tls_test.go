package phase

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck/tlstest"
)

// serveLoopback serves cert on a free port of 127.0.0.1 for the test.
func serveLoopback(t *testing.T, cert tls.Certificate) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlstest.Serve(t, ln, cert, 0, 0)
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// TestTLSPhase: a valid certificate records tls.check.passed; an expired
// one on a second run records tls.check.failed with the reason, numbered
// after the host's last event, and becomes a finding (non-compliant) that
// keeps the earlier one, not an error that would stop later phases.
func TestTLSPhase(t *testing.T) {
	const domain = "www.staging.lab.test"
	ca := tlstest.NewCA(t, tlstest.Name{CN: "ck8s phase test root"})
	good := serveLoopback(t, ca.Valid(t, domain))
	expired := serveLoopback(t, ca.Issue(t, tlstest.Leaf{Names: []string{domain},
		NotBefore: time.Now().Add(-60 * 24 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}))
	lo := netip.MustParseAddr("127.0.0.1")

	run := func(port uint16, earlier *Finding) (*Target, []event.Event, error) {
		var evs []event.Event
		ph := TLS{
			Addrs:  func(string) []netip.Addr { return []netip.Addr{lo} },
			Port:   port,
			Config: tlscheck.Config{Domain: domain, Roots: ca.Pool(), MinValid: tlscheck.DefaultMinValid, Timeout: 2 * time.Second},
		}
		tg := &Target{Name: "lab-1", Plan: &plan.Plan{RunID: "r1"}, Result: &Result{LastSeq: 41}, Log: slog.New(slog.DiscardHandler),
			Rec: NewRecorder(func(_ context.Context, e ...event.Event) error { evs = append(evs, e...); return nil }, nil, nil)}
		if earlier != nil {
			tg.Result.add(*earlier)
		}
		m := Manager{Phases: []Phase{ph}}
		m.Run(context.Background(), []*Target{tg})
		return tg, evs, tg.Result.Err()
	}

	tg, evs, err := run(good, nil)
	if err != nil || tg.Result.Status != StatusOK || len(evs) != 1 || len(tg.Result.TLS) != 1 || !tg.Result.TLS[0].Passed {
		t.Fatalf("valid: err %v, status %s, events %+v", err, tg.Result.Status, evs)
	}
	if e := evs[0]; e.Type != event.TypeTLSCheckPassed || e.Seq != 42 || e.Step != "tls" || e.Status != event.StatusOK || tg.Result.Phase != "tls" {
		t.Errorf("valid: event %s seq %d step %s status %s, phase %q", e.Type, e.Seq, e.Step, e.Status, tg.Result.Phase)
	}
	var rep tlscheck.Report
	if err := json.Unmarshal(evs[0].Data, &rep); err != nil || rep.Certificate == nil || rep.Certificate.Subject != "CN="+domain {
		t.Errorf("event data: %v %s", err, evs[0].Data)
	}
	if strings.Contains(string(evs[0].Data), "PRIVATE") {
		t.Errorf("private material in the event: %s", evs[0].Data)
	}

	drift := newFinding("firewall", CodeFirewallDrift, SeverityCritical, ErrNonCompliant, "firewall drift: a rule added by hand")
	tg, evs, err = run(expired, &drift)
	if !errors.Is(err, ErrTLSNonCompliant) || !errors.Is(err, ErrNonCompliant) || tg.Result.Status != StatusFailed {
		t.Fatalf("expired: err %v, status %s", err, tg.Result.Status)
	}
	if f := tg.Result.Findings; len(f) != 2 || f[1].Code != CodeTLSExpired || f[1].Severity != SeverityCritical {
		t.Errorf("expired: findings %+v", f)
	}
	if e := evs[0]; len(evs) != 1 || e.Type != event.TypeTLSCheckFailed || e.Status != event.StatusFailed || e.Seq != 42 || !strings.Contains(e.Message, "expired") {
		t.Errorf("expired: events %+v", evs)
	}
}

// TestTLSPhaseDisabled: without Addrs the Manager skips the phase, so a
// host's Phase names the last phase that ran.
func TestTLSPhaseDisabled(t *testing.T) {
	tg := &Target{Name: "lab-1", Plan: &plan.Plan{}, Result: &Result{}, Log: slog.New(slog.DiscardHandler)}
	m := Manager{Phases: []Phase{noop{}, TLS{}}}
	m.Run(context.Background(), []*Target{tg})
	if tg.Result.Status != StatusOK || tg.Result.Phase != "noop" {
		t.Fatalf("status %s phase %q", tg.Result.Status, tg.Result.Phase)
	}
}

// noop is a phase that does nothing, for Manager tests.
type noop struct{}

func (noop) Title() string                      { return "noop" }
func (noop) Run(context.Context, *Target) error { return nil }
