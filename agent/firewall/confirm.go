package firewall

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// ErrUnknownChange is a confirm for a change that is neither pending nor
// recorded (a wrong id, or a result pruned long ago). Not retryable.
var ErrUnknownChange = errors.New("unknown change")

// TooLateError is a confirm that came after the change was rolled back,
// or after its deadline, when the watchdog is rolling it back. Not
// retryable: the rules are (being) restored; run the step again.
type TooLateError struct {
	ID       string
	Deadline time.Time // set when the result was not recorded yet
	Result   *Result   // how it ended, when recorded
}

func (e *TooLateError) Error() string {
	if e.Result != nil {
		what := "rolled back"
		if e.Result.State == StateRollbackFailed {
			what = "not rolled back yet (its rollback failed so far and is tried again)"
		}
		return fmt.Sprintf("too late: change %s was %s at %s (%s)", e.ID, what, e.Result.At.Format(time.RFC3339Nano), e.Result.Reason)
	}
	return fmt.Sprintf("too late: change %s passed its deadline %s; the watchdog is rolling it back", e.ID, e.Deadline.Format(time.RFC3339Nano))
}

// watchdogStopWait bounds how long a confirm waits for the watchdog to go.
const watchdogStopWait = 2 * time.Second

// Confirm is the firewall-confirm command, run by hand over a new SSH
// connection (ck8sctl creates the change's confirm request instead, which
// the watchdog confirms through the same confirm): that the connection
// got through the new rules is the proof they are safe. Under the lock, a
// change still pending and before its deadline becomes confirmed: saved
// for boot if the plan asked, recorded as the baseline (applied.json) and
// as its result, and its watchdog is stopped. Confirming a confirmed
// change again returns the recorded result, so a retry after a lost reply
// is safe.
func Confirm(ctx context.Context, stateDir, id string, now func() time.Time) (*Result, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("change id %q is not 32 hex digits", id)
	}
	r, p, err := confirm(ctx, txnDir(stateDir), id, withWall(now))
	if err != nil || p == nil {
		return r, err
	}
	if err := stopWatchdog(p, watchdogStopWait); err != nil {
		r.Warnings = append(r.Warnings, err.Error())
	}
	return r, nil
}

// confirm does Confirm's part under the lock. It returns the pending change
// it confirmed, nil when it returns a recorded result.
func confirm(ctx context.Context, dir, id string, clk clock) (*Result, *pending, error) {
	lk, err := acquire(ctx, dir, "confirm "+id)
	if err != nil {
		return nil, nil, err
	}
	defer lk.Release()
	if r, err := readResult(dir, id); r != nil || err != nil {
		if err == nil && r.State != StateConfirmed {
			err = &TooLateError{ID: id, Result: r}
		}
		return r, nil, err
	}
	p, err := readPending(dir)
	switch {
	case err != nil:
		return nil, nil, err
	case p == nil || p.ID != id:
		return nil, nil, fmt.Errorf("%w %s: no such change is pending or recorded in %s", ErrUnknownChange, id, dir)
	case clk.left(p) <= 0:
		return nil, nil, &TooLateError{ID: id, Deadline: p.Deadline}
	}
	r := confirmLocked(ctx, dir, p, clk.wall)
	if err := finish(dir, p, r); err != nil {
		return nil, nil, err
	}
	return r, p, nil
}

// statePersister is a backend that persists a known owned state (State's
// format) without listing the rules again: the state a confirmed change
// restored is known (pending.json's Want), and listing it costs a program
// run per family and table.
type statePersister interface {
	persistState(state string) ([]string, error)
}

// confirmLocked saves and records the confirmed change p. Neither may undo
// the confirmation: the rules are proven, so failures become part of the
// result.
func confirmLocked(ctx context.Context, dir string, p *pending, now func() time.Time) *Result {
	r := &Result{ID: p.ID, RunID: p.RunID, State: StateConfirmed}
	b, err := p.open()
	if err != nil {
		r.Warnings = append(r.Warnings, err.Error())
		if p.Persist {
			r.PersistError = err.Error()
		}
		r.At = now().UTC()
		return r
	}
	// A change that is confirmed restored p.Want (an apply that failed
	// was undone at once and never reaches a confirm), so listing the
	// rules again would only read it back: the baseline and the files
	// for boot come from it, four iptables-save runs less (one nft run
	// with nftables). The next run compares the live rules anyway.
	state, err := p.Want, error(nil)
	if state == "" {
		state, err = b.State(ctx)
	}
	if p.Persist {
		var files []string
		var perr error
		if sp, ok := b.(statePersister); ok && err == nil {
			files, perr = sp.persistState(state)
		} else {
			files, perr = b.Persist(ctx)
		}
		r.Persisted = files
		if perr != nil {
			r.PersistError = perr.Error()
		}
	}
	if err == nil {
		err = writeJSON(filepath.Join(dir, appliedFile), Applied{
			ID: p.ID, Backend: p.Backend, State: state, ProfileHash: p.ProfileHash, At: now().UTC(),
		})
	}
	if err != nil {
		r.Warnings = append(r.Warnings, "recording the baseline: "+err.Error())
	}
	r.At = now().UTC()
	return r
}
