package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// retryDecision is the retry policy, applied to a finished attempt:
//
//   - a sweep changes nothing, so one that could not reach every host is
//     tried again (River's backoff, up to MaxAttempts);
//   - a changing action (bootstrap, harden) is tried again only when it
//     reached no host at all: an attempt that reached one may have changed
//     it, and whether to change it again is an operator's call;
//   - an attempt cut by shutdown is a sweep's to retry and a changing
//     action's to drop (the host's watchdog has confirmed or rolled back
//     whatever it was doing).
//
// Non-compliance or a failed step is an answer, not a job failure.
func retryDecision(ctx context.Context, a RunArgs, rep report.Run) error {
	readOnly := a.Action == action.Sweep
	if ctx.Err() != nil {
		if readOnly {
			return fmt.Errorf("run %s cut short: %w", rep.ID, context.Cause(ctx))
		}
		return river.JobCancel(fmt.Errorf("run %s cut short: %w", rep.ID, context.Cause(ctx)))
	}
	s := rep.Summary
	switch {
	case s.Unreachable == 0:
		return nil
	case readOnly:
		return fmt.Errorf("run %s: %d of %d hosts unreachable", rep.ID, s.Unreachable, s.Hosts)
	case s.Unreachable == s.Hosts:
		return fmt.Errorf("run %s: no host reachable, nothing changed", rep.ID)
	}
	return nil
}

// errMayHaveChanged cancels a rescued changing run (see mayRetry).
var errMayHaveChanged = errors.New("the previous attempt was interrupted and may have changed hosts: not run again")

// mayRetry guards an attempt after the first. River also starts one when
// it rescues a job whose worker died (kill -9, a lost node): the earlier
// attempt then never finished, and a changing action is not run again
// over what it may have half done.
//
// A previous attempt still "running" is one whose worker died (a killed
// replica): it is marked interrupted whatever the action, so that it
// never stays running and its hosts' journals are imported on the next
// contact.
func (e *Env) mayRetry(ctx context.Context, a RunArgs, attempt int) error {
	prev, err := e.Store.Run(ctx, attemptID(a.RunID, attempt-1))
	if errors.Is(err, store.ErrNotFound) {
		return nil // it never started
	} else if err != nil {
		return nil // let the attempt find out; the store decides
	}
	if prev.Status == store.StatusRunning {
		_ = e.Store.FinishRun(ctx, prev.ID, store.StatusInterrupted, 0, time.Now().UTC())
		prev.Status = store.StatusInterrupted
	}
	if a.Action == action.Sweep {
		return nil
	}
	switch prev.Status {
	case store.StatusQueued, string(report.RunUnreachable):
		return nil
	case store.StatusInterrupted:
		return errMayHaveChanged
	}
	return nil
}

// handedBack guards an attempt River works a second time: a serve that
// stops cancels its running jobs and River makes them available again
// under the same attempt number (a "soft stop"), so the attempt's run ID may already be
// a run that started (and was interrupted). A sweep then runs under a
// fresh ID beside it (RUNID.N.rM); a changing action is not run again
// over what the interrupted attempt may have half done.
func (e *Env) handedBack(ctx context.Context, a RunArgs, id string) (string, error) {
	for m := 1; ; m++ {
		try := id
		if m > 1 {
			try = fmt.Sprintf("%s.r%d", id, m)
		}
		prev, err := e.Store.Run(ctx, try)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return try, nil
		case err != nil:
			return "", err // the store is down: retry later
		case prev.Status == store.StatusQueued:
			return try, nil
		case a.Action != action.Sweep:
			return "", river.JobCancel(fmt.Errorf("run %s: %w", try, errMayHaveChanged))
		case m == maxHandBacks:
			return "", river.JobCancel(fmt.Errorf("run %s was handed back %d times", id, m))
		}
	}
}

// maxHandBacks bounds the fresh IDs of one attempt.
const maxHandBacks = 10
