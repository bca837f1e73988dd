package phase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap"
	"github.com/ck8s/ck8sctl/internal/event"
)

// ErrRolledBack means a change was undone on the host: the firewall's
// watchdog restored the old rules because no confirmation arrived.
var ErrRolledBack = errors.New("change rolled back")

// ErrNonCompliant means a read-only run found the host differing from the
// playbook (firewall drift in --check).
var ErrNonCompliant = errors.New("not compliant")

// Confirmer answers the agent's firewall.applied event. The agent's own
// session proves nothing about the new rules (it survives them through
// conntrack), so the confirmation goes over a connection opened after the
// change: only if sshd can be reached through the new rules is the change
// kept. Without it, the watchdog on the host rolls back at the deadline.
type Confirmer struct {
	Runner *bootstrap.Runner
	// ConnectTimeout bounds one connection attempt.
	ConnectTimeout time.Duration
	// Retry is the pause between attempts; 0 means 500ms.
	Retry time.Duration
}

// applied is the part of the firewall.applied data the confirmer needs.
type applied struct {
	ID             string    `json:"id"`
	Deadline       time.Time `json:"deadline"` // on the host's wall clock
	ConfirmTimeout string    `json:"confirmTimeout"`
	// ConfirmRequest is the file whose creation confirms the change.
	ConfirmRequest string `json:"confirmRequest"`
}

// check refuses data that names no change, or a confirm request other
// than that change's file under the run's state directory (the plan's,
// which the agent keeps its changes in): whatever the agent said, the
// confirm creates nothing else, and nothing outside ck8s's own directory.
// ck8sctl's plans name an absolute state directory (plan.DefaultStateDir);
// under a relative one every request would be refused.
func (a applied) check(stateDir string) error {
	if a.ID == "" {
		return errors.New("no change id")
	}
	r := a.ConfirmRequest
	if !path.IsAbs(r) || path.Clean(r) != r || path.Base(r) != "confirm-"+a.ID || !strings.HasPrefix(r, strings.TrimSuffix(path.Clean(stateDir), "/")+"/") {
		return fmt.Errorf("confirmRequest %q is not a path to confirm-%s under the state directory %s", r, a.ID, stateDir)
	}
	return nil
}

// deadline is when the watchdog rolls back, on this machine's clock: the
// confirm timeout from when the event arrived. The host's wall-clock
// deadline is only the fallback for an agent that does not say its
// timeout: a host clock behind ours by more than the window (or stepped
// back) made ck8sctl give up before its first attempt, and the change
// was rolled back though sshd answered; one ahead kept it retrying long
// after the rollback (found by hack/chaos). The watchdog waits on the
// host's boot clock from just before the event was sent, so this is late
// by the stream's latency at most, and a confirm that loses that race is
// refused by the host.
func (a applied) deadline(received time.Time) time.Time {
	if d, err := time.ParseDuration(a.ConfirmTimeout); err == nil && d > 0 {
		return received.Add(d)
	}
	return a.Deadline
}

// confirm keeps trying a new connection that creates the change's confirm
// request until one succeeds or the deadline is too close to beat the
// watchdog. Its error is why no request was made; how the change ended
// (confirmed, or rolled back for a request that came too late) comes on
// the agent's own stream.
func (c Confirmer) confirm(ctx context.Context, t *Target, e event.Event) error {
	var a applied
	err := json.Unmarshal(e.Data, &a)
	deadline := a.deadline(time.Now())
	if err == nil && deadline.IsZero() {
		err = errors.New("no deadline")
	}
	if err == nil {
		err = a.check(t.Plan.Dir())
	}
	if err != nil {
		return fmt.Errorf("firewall.applied event: %w: %s", err, e.Data)
	}
	retry := c.Retry
	if retry == 0 {
		retry = 500 * time.Millisecond
	}
	var last error
	for attempt := 1; ; attempt++ {
		// Stop a little before the deadline: a confirm racing the
		// watchdog is refused anyway.
		left := time.Until(deadline) - 200*time.Millisecond
		if left <= 0 {
			if last == nil {
				last = errors.New("no time left")
			}
			return fmt.Errorf("no new SSH connection confirmed the firewall change before %s (%d attempts): %w", deadline.UTC().Format(time.RFC3339), attempt-1, last)
		}
		if last = c.attempt(ctx, t, a, min(left, c.ConnectTimeout)); last == nil {
			t.Log.Debug("firewall change's confirm request made over a new connection", "host", t.Name, "id", a.ID, "attempts", attempt)
			return nil
		}
		t.Log.Warn("confirming the firewall change", "host", t.Name, "attempt", attempt, "err", last)
		select {
		case <-ctx.Done():
			return fmt.Errorf("confirming the firewall change: %w", ctx.Err())
		case <-time.After(min(retry, max(time.Until(deadline), 0))):
		}
	}
}

func (c Confirmer) attempt(ctx context.Context, t *Target, a applied, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cl, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	return bootstrap.ConfirmFirewall(ctx, cl, a.ConfirmRequest)
}

// verdict tells the host's manifests step how the http-01 rehearsal went,
// over a new connection (the agent's own session is busy streaming),
// retrying for up to a minute.
func (c Confirmer) verdict(ctx context.Context, t *Target, out *HTTP01Outcome) error {
	var last error
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		actx, cancel := context.WithTimeout(ctx, c.ConnectTimeout+10*time.Second)
		cl, err := t.Dial(actx)
		if err == nil {
			err = c.Runner.HTTP01Verdict(actx, cl, t.Plan.Dir(), t.Plan.RunID, out.Passed, out.Reason)
			cl.Close()
		}
		cancel()
		if err == nil {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return last
}
