package phase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/dnscheck"
)

// ErrDNSPreflight means the domain does not resolve as expected: a check
// failure (exit 1), retryable once DNS is fixed or has propagated.
var ErrDNSPreflight = errors.New("DNS preflight failed")

// DNS is the authoritative half of the DNS preflight, before the agent
// phase. On success it hands its report to the agent in the plan; the
// agent's dns step adds the host view and reports both in one event, so
// every event of the host is numbered by the agent. On failure the agent
// does not run at all on the host (nothing is uploaded, locked or changed)
// and this phase records the dns.preflight.failed event itself, as seq 1:
// with no agent run, nothing else numbers events for (run, host).
type DNS struct {
	// Check returns the run's authoritative report. The playbook has one
	// domain and one expected set, so the caller computes it once and every
	// host shares it. Nil disables the phase.
	Check    func(context.Context) (*dnscheck.Report, error)
	Record   func(context.Context, event.Event) error
	Progress func(event.Event)
	Redact   *redact.Redactor
}

// Title implements Phase.
func (DNS) Title() string { return "dns" }

// Run implements Phase.
func (d DNS) Run(ctx context.Context, t *Target) error {
	if d.Check == nil || t.Plan.DNS == nil {
		return nil
	}
	rep, err := d.Check(ctx)
	if err != nil {
		return fmt.Errorf("DNS preflight for %s: %w", t.Name, err)
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("DNS preflight for %s: encoding the report: %w", t.Name, err)
	}
	if rep.Passed {
		t.Plan.DNS.Authoritative = raw
		return nil
	}
	data, _ := json.Marshal(map[string]any{
		"domain": t.Plan.DNS.Domain, "expect": rep.Expect, "caaIssuer": t.Plan.DNS.CAAIssuer,
		"authoritative": json.RawMessage(raw),
	})
	e := event.Event{Time: time.Now().UTC(), RunID: t.Plan.RunID, Host: t.Name, Seq: 1,
		Type: event.TypeDNSFailed, Step: "dns", Status: event.StatusFailed, Message: rep.Summary(), Data: data}
	if d.Redact != nil {
		e = d.Redact.Event(e)
	}
	if err := d.Record(ctx, e); err != nil {
		return fmt.Errorf("recording the DNS preflight of %s: %w", t.Name, err)
	}
	t.Result.Events++
	t.Result.Steps = append(t.Result.Steps, Step{Name: "dns", Status: event.StatusFailed, Duration: time.Duration(rep.Seconds * float64(time.Second)), Message: rep.Summary()})
	if d.Progress != nil {
		d.Progress(e)
	}
	return fmt.Errorf("%w: %s", ErrDNSPreflight, rep.Summary())
}
