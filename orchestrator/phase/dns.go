package phase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/dnscheck"
)

// ErrDNSPreflight means the domain does not resolve as expected: a check
// failure (exit 1), retryable once DNS is fixed or has propagated.
var ErrDNSPreflight = errors.New("DNS preflight failed")

// DNS is the authoritative half of the DNS preflight, before the agent
// phase. Its report goes to the agent in the plan; the agent's dns step adds
// the host view and reports both in one event, so every event of the host
// is numbered by the agent. On failure in a run that changes hosts, the
// agent does not run at all on the host (nothing is uploaded, locked or
// changed) and this phase records dns.preflight.failed itself, as the
// host's first event. A read-only run (a sweep) hands the failed report to
// the agent too, whose dns step then reports the mismatch as a finding and
// lets the other checks run: nothing changes either way.
type DNS struct {
	// Check returns the run's authoritative report. The playbook has one
	// domain and one expected set, so the caller computes it once and every
	// host shares it. Nil disables the phase.
	Check func(context.Context) (*dnscheck.Report, error)
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
	if rep.Passed || t.Plan.Check {
		t.Plan.DNS.Authoritative = raw
		return nil
	}
	data := map[string]any{
		"domain": t.Plan.DNS.Domain, "expect": rep.Expect, "caaIssuer": t.Plan.DNS.CAAIssuer,
		"authoritative": json.RawMessage(raw),
	}
	if err := t.Rec.Emit(ctx, t, "dns", event.TypeDNSFailed, event.StatusFailed, rep.Summary(), data); err != nil {
		return err
	}
	t.Result.Steps = append(t.Result.Steps, Step{Name: "dns", Status: event.StatusFailed, Duration: time.Duration(rep.Seconds * float64(time.Second)), Message: t.Rec.Redact(rep.Summary())})
	return fmt.Errorf("%w: %s", ErrDNSPreflight, rep.Summary())
}
