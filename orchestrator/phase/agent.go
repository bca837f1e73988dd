package phase

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ck8s/ck8sctl/bootstrap"
	"github.com/ck8s/ck8sctl/internal/event"
)

// Agent exit statuses (see agent/cmd/ck8s-agent).
const (
	agentExitStepFailed  = 1
	agentExitBadPlan     = 2
	agentExitLockTimeout = 3
)

// ErrHostBusy means another run holds the host lock. Retry later.
var ErrHostBusy = errors.New("host is busy with another run")

// ErrStepsFailed means the agent ran and at least one step failed.
var ErrStepsFailed = errors.New("steps failed")

// Agent delivers the agent, runs the target's plan and records its events
// through the target's recorder, in order.
type Agent struct {
	Runner *bootstrap.Runner
	// Confirm, if set, confirms firewall changes over a new connection
	// while the agent waits for it.
	Confirm *Confirmer
	// HTTP01, if set, runs the ACME http-01 rehearsal when the agent's
	// http01 step serves the challenge or finds port 80 taken.
	HTTP01 *HTTP01
}

// Title implements Phase.
func (Agent) Title() string { return "agent" }

// Run implements Phase.
func (a Agent) Run(ctx context.Context, t *Target) error {
	var confirms sync.WaitGroup
	var confirmErr error
	var rehearsal *HTTP01Outcome
	sink := func(e event.Event) error {
		e, err := t.Rec.Agent(ctx, t, e)
		if err != nil {
			return err
		}
		if e.Type == event.TypeFirewallApplied && a.Confirm != nil {
			// Not inline: the agent's stream must keep flowing while the
			// confirmation dials, and the agent waits for it.
			confirms.Go(func() { confirmErr = a.Confirm.confirm(ctx, t, e) })
		}
		if a.HTTP01.reacts(e) {
			// Not inline either: the agent serves until the fetches end.
			confirms.Go(func() {
				rehearsal = a.HTTP01.rehearse(ctx, t, e)
				if t.Plan.Manifests != nil && a.Confirm != nil {
					// The manifests step waits for this before it creates
					// a ClusterIssuer; a lost verdict fails it, safely.
					if err := a.Confirm.verdict(ctx, t, rehearsal); err != nil {
						t.Log.Warn("sending the http-01 rehearsal verdict", "host", t.Name, "err", err)
					}
				}
			})
		}
		return nil
	}
	out, err := a.Runner.Run(ctx, t.Client, t.Dial, t.Plan, sink)
	confirms.Wait()
	if confirmErr != nil && t.Result.Firewall != nil {
		t.Result.Firewall.Confirm = confirmErr.Error()
	}
	t.Result.Uploaded = out.Uploaded
	t.Result.Events += out.Events
	t.Result.Resumed = out.Reconnects
	for _, e := range out.Invalid {
		t.Result.Invalid = append(t.Result.Invalid, e.Error())
	}
	if err := t.Result.rolledBack(); err != nil {
		return err // whatever else failed, the rollback is the news
	}
	if err := a.HTTP01.conclude(ctx, t, rehearsal); err != nil {
		return err
	}
	// The agent's exit status decides even when its stream closed cleanly:
	// a run refused before any step (busy lock, bad plan) still ends with
	// bootstrap.finished.
	why := func() string { return t.Result.agentError(lastLine(out.Stderr)) }
	switch out.AgentExit {
	case agentExitLockTimeout:
		return fmt.Errorf("%w: %s", ErrHostBusy, why())
	case agentExitBadPlan:
		return fmt.Errorf("agent rejected the plan: %s", why())
	}
	if err != nil {
		return err
	}
	var fin event.Finished
	if out.Final != nil {
		_ = jsonUnmarshal(out.Final.Data, &fin)
	}
	t.Result.dnsFinding(t.Plan.Check)
	failed := fin.Failed > 0 || out.AgentExit == agentExitStepFailed || t.Result.FailedSteps() > 0
	if failed && !t.Result.onlyChecksFailed(t.Plan.Check) {
		msg := fin.Failure
		if msg == "" {
			msg = why()
		}
		return fmt.Errorf("%w: %s", ErrStepsFailed, msg)
	}
	t.Result.firewallFinding(t.Plan.Check)
	t.Result.manifestsFinding(t.Plan.Check)
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if s == "" {
		return "no message from the agent"
	}
	return s
}
