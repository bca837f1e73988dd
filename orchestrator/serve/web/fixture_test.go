package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/event/eventtest"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/store"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// The fleet the tests read: a finished sweep over three hosts (one of
// each verdict) and a harden still running.
const (
	sweepID = "0190a1b2-0000-7000-8000-000000000001"
	liveID  = "0190a1b2-0000-7000-8000-000000000002"
)

var (
	t0  = time.Unix(1700000000, 0).UTC() // eventtest's clock
	now = t0.Add(time.Hour)              // the pages' clock
)

// openStore is a real SQLite store in the test's directory.
func openStore(t *testing.T) *store.DB {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "ck8s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// newHandler serves st with the fixed clock.
func newHandler(t *testing.T, st Source) http.Handler {
	t.Helper()
	h, err := NewHandler(st, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// get requests path from h.
func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	return httptestDo(h, http.MethodGet, path)
}

// The three hosts of the sweep, as the report has them.
func compliantHost() report.Host {
	return report.Host{Host: "web-1", Address: "192.0.2.11", Status: phase.StatusOK, Verdict: report.Compliant,
		Phase: "tls", Findings: []phase.Finding{},
		Firewall:  &report.Firewall{State: phase.FirewallCompliant},
		Manifests: &report.Manifests{State: phase.ManifestsCompliant},
		Scan:      []scan.Finding{{Target: "192.0.2.11", Open: []uint16{22, 443}, Reachable: true, Compliant: true}},
		TLS:       []*tlscheck.Report{cert("web-1.example.test", now.Add(40*24*time.Hour+time.Hour))},
	}
}

func nonCompliantHost() report.Host {
	return report.Host{Host: "web-2", Address: "192.0.2.12", Status: phase.StatusFailed, Verdict: report.NonCompliant,
		Phase: "tls", Error: "2 findings",
		Findings: []phase.Finding{
			{Code: phase.CodePortUnexpectedOpen, Severity: phase.SeverityCritical, Check: "ports",
				Message: "192.0.2.12: port 8080 open, not expected"},
			{Code: phase.CodeTLSExpiring, Severity: phase.SeverityWarning, Check: "tls",
				Message: "web-2.example.test: certificate expires in 10 days"},
		},
		Firewall: &report.Firewall{State: phase.FirewallDrift},
		Scan: []scan.Finding{{Target: "192.0.2.12", Open: []uint16{22, 443, 8080}, Reachable: true,
			Verdict: scan.Verdict{Unexpected: []uint16{8080}, Missing: []uint16{}}}},
		Exposure: []phase.Exposure{{Port: 8080, Proto: "tcp", State: phase.Exposed, Verdict: phase.Violation,
			Addr: "0.0.0.0", Process: "python3", OpenOn: []string{"192.0.2.12"}}},
		TLS: []*tlscheck.Report{cert("web-2.example.test", now.Add(10*24*time.Hour+time.Hour))},
	}
}

func unreachableHost() report.Host {
	return report.Host{Host: "db-1", Address: "192.0.2.13", Status: phase.StatusUnreachable, Verdict: report.Unreachable,
		Phase: "connect", Error: "dialing 192.0.2.13:22: connection refused", Findings: []phase.Finding{}}
}

func cert(domain string, notAfter time.Time) *tlscheck.Report {
	return &tlscheck.Report{Domain: domain, Reachable: true, MinValidDays: 21,
		Certificate: &tlscheck.CertInfo{Subject: "CN=" + domain, NotAfter: notAfter}}
}

// addRun stores a run with each host's events (a step that ends in st)
// and, when finished, its report: what serve's worker writes.
func addRun(t *testing.T, st *store.DB, r store.Run, hosts []report.Host, finished bool) []store.Stored {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		evs := eventtest.NewRun(t, r.ID, h.Host).Started("firewall").
			Step("firewall", event.StatusOK, "firewall of "+h.Host+" checked").Finish().Events
		if err := st.AppendEvents(ctx, evs...); err != nil {
			t.Fatal(err)
		}
	}
	if finished {
		recordReport(t, st, r, hosts)
	}
	stored, err := st.EventsAfter(ctx, r.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

func recordReport(t *testing.T, st *store.DB, r store.Run, hosts []report.Host) {
	t.Helper()
	rep := report.Run{APIVersion: report.APIVersion, Kind: report.Kind, ID: r.ID, Action: r.Command,
		Playbook: r.Playbook, Started: r.Started, Duration: 90 * time.Second, Status: report.RunFailed,
		ExitCode: 3, Check: true, Hosts: hosts, Summary: report.Summary{Hosts: len(hosts)}}
	var results []store.HostResult
	for _, h := range hosts {
		switch h.Verdict {
		case report.Compliant:
			rep.Summary.Compliant++
		case report.NonCompliant:
			rep.Summary.NonCompliant++
		default:
			rep.Summary.Unreachable++
		}
		results = append(results, store.HostResult{Host: h.Host, Status: string(h.Status), Verdict: string(h.Verdict), Report: mustJSON(t, h)})
	}
	ctx := context.Background()
	if err := st.FinishRun(ctx, r.ID, string(rep.Status), rep.ExitCode, r.Started.Add(rep.Duration)); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordResult(ctx, r.ID, mustJSON(t, rep), results); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fleet fills st with the sweep and the running harden and returns the
// stored events of each.
func fleet(t *testing.T, st *store.DB) (sweep, live []store.Stored) {
	t.Helper()
	sweep = addRun(t, st, store.Run{ID: sweepID, Command: "sweep", Playbook: "playbooks/fleet.yaml", Started: t0,
		Hosts: 3, Check: true, Trigger: "schedule:nightly", Attempt: 1},
		[]report.Host{compliantHost(), nonCompliantHost(), unreachableHost()}, true)
	live = addRun(t, st, store.Run{ID: liveID, Command: "harden", Playbook: "playbooks/fleet.yaml",
		Started: t0.Add(30 * time.Minute), Hosts: 1, Trigger: "api:ops", Attempt: 2},
		[]report.Host{{Host: "web-1"}}, false)
	return sweep, live
}

func httptestDo(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}
