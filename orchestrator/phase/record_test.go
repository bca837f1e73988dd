package phase

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// TestRecorderMasksEveryRecord: the orchestrator's own events (an http-01
// redirect URL, a TLS message) go through the run's redactor like the
// agent's, with the playbook's mask: patterns and learned literals; they
// are numbered after the agent's last event; progress only ever sees the
// masked event, and so does whatever acts on an agent event next; a
// cancelled run still stores.
func TestRecorderMasksEveryRecord(t *testing.T) {
	red, err := redact.New([]string{`corp-[0-9]{6}`})
	if err != nil {
		t.Fatal(err)
	}
	red = red.WithLiterals("hunter2-passphrase")
	var stored, shown []event.Event
	rec := NewRecorder(func(ctx context.Context, evs ...event.Event) error {
		if ctx.Err() != nil {
			return errors.New("store called with a cancelled context")
		}
		stored = append(stored, evs...)
		return nil
	}, red, func(e event.Event) { shown = append(shown, e) })
	tg := &Target{Name: "h1", Plan: &plan.Plan{RunID: "r1"}, Result: &Result{}}

	agentEvent := event.Event{RunID: "r1", Host: "h1", Seq: 7, Type: event.TypeStepFinished, Step: "dns", Status: event.StatusOK,
		Message: "resolved with key corp-123456"}
	passed, err := rec.Agent(context.Background(), tg, agentEvent)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := map[string]any{"redirect": "https://user:s3cretpw@staging.lab.test/", "note": "hunter2-passphrase", "password": "x-y-z-w"}
	if err := rec.Emit(ctx, tg, "http01", event.TypeHTTP01Failed, event.StatusFailed, "redirected with corp-654321", data); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || len(shown) != 2 {
		t.Fatalf("stored %d shown %d, want 2 and 2", len(stored), len(shown))
	}
	if e := stored[1]; e.Seq != 8 || tg.Result.LastSeq != 8 || e.Step != "http01" || e.RunID != "r1" || e.Host != "h1" {
		t.Errorf("numbering: seq %d lastSeq %d step %s", e.Seq, tg.Result.LastSeq, e.Step)
	}
	// What the recorder hands on (to the firewall's confirmation, the
	// http-01 rehearsal) is the masked event too.
	for i, e := range append(append(stored, shown...), passed) {
		all := e.Message + string(e.Data)
		for _, secret := range []string{"corp-123456", "corp-654321", "s3cretpw", "hunter2-passphrase", "x-y-z-w"} {
			if strings.Contains(all, secret) {
				t.Errorf("event %d leaks %q: %s", i, secret, all)
			}
		}
	}
	if len(tg.Result.Steps) != 1 {
		t.Errorf("the agent's step.finished was not folded into the result: %+v", tg.Result.Steps)
	}
}

// TestNilRecorderObserves: a target without a recorder (unit tests of
// single phases) still folds events into its result.
func TestNilRecorderObserves(t *testing.T) {
	tg := &Target{Name: "h1", Plan: &plan.Plan{RunID: "r1"}, Result: &Result{LastSeq: 3}}
	if err := tg.Rec.Emit(context.Background(), tg, "scan", event.TypeFirewallDrift, event.StatusFailed, "drift", nil); err != nil {
		t.Fatal(err)
	}
	if tg.Result.LastSeq != 4 || tg.Result.Firewall == nil || tg.Result.Firewall.State != FirewallDrift {
		t.Fatalf("result %+v", tg.Result)
	}
}

// TestMaskedKeepsATLSReportWhole: the report's copy of a TLS check is
// masked (a redirect URL's password, a secret quoted in an error) and
// otherwise identical to the check's own.
func TestMaskedKeepsATLSReportWhole(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	rep := &tlscheck.Report{Domain: "staging.lab.test", Addr: "198.18.0.11:443", Reachable: true, Version: "TLS 1.3",
		Certificate:  &tlscheck.CertInfo{Subject: "CN=staging.lab.test", SANs: []string{"staging.lab.test"}, NotAfter: now, DaysLeft: 30},
		HTTPRedirect: "https://admin:s3cretpw@staging.lab.test/", VerifyError: "x509: hunter2-passphrase",
		Findings: []tlscheck.Finding{{Check: "chain", Severity: tlscheck.Fail, Message: "chain: hunter2-passphrase"}}, CheckedAt: now}
	rec := NewRecorder(nil, redact.Default().WithLiterals("hunter2-passphrase"), nil)
	got := masked(rec, rep)
	want := *rep
	want.HTTPRedirect, want.VerifyError = "https://admin:***@staging.lab.test/", "x509: ***"
	want.Findings = []tlscheck.Finding{{Check: "chain", Severity: tlscheck.Fail, Message: "chain: ***"}}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("masked report\n%+v\nwant\n%+v", *got, want)
	}
	if rep.VerifyError != "x509: hunter2-passphrase" {
		t.Error("masked changed the check's own report")
	}
}
