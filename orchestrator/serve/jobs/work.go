package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/inventory"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Worker works RunArgs jobs.
type Worker struct {
	river.WorkerDefaults[RunArgs]
	Env *Env
}

// Timeout is the run's own timeout (RunTimeout), never River's minute.
func (w *Worker) Timeout(job *river.Job[RunArgs]) time.Duration {
	pb, hosts, err := w.Env.selectHosts(job.Args)
	if err != nil {
		return time.Minute // Work cancels the job at once
	}
	return w.Env.RunTimeout(job.Args, pb, len(hosts))
}

// Work runs one attempt of the job.
func (w *Worker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	a, e := job.Args, w.Env
	id := attemptID(a.RunID, job.Attempt)
	if e.Observe != nil && job.AttemptedAt != nil {
		// Queue latency: from when it could run (a splay delays that) to
		// when a worker took it.
		e.Observe.JobWait(Kind, job.AttemptedAt.Sub(job.ScheduledAt))
	}
	if job.Attempt > 1 {
		if err := e.mayRetry(ctx, a, job.Attempt); err != nil {
			return river.JobCancel(err)
		}
	}
	id, err := e.handedBack(ctx, a, id)
	if err != nil {
		return err
	}
	queued := store.Run{ID: id, Command: string(a.Action), Started: time.Now().UTC(), Trigger: a.Trigger,
		Limit: a.Limit, JobID: job.ID, Attempt: job.Attempt, Check: a.Check}
	if err := e.Store.QueueRun(ctx, queued); err != nil {
		return err // the store is down: retry later
	}
	prep, err := e.prepare(a, id)
	if err != nil {
		e.finishBad(ctx, id, err)
		e.observeAborted(a, "error")
		return river.JobCancel(masked(e.redactor(), err)) // bad input stays bad
	}
	if a.Missed > 0 {
		e.recordMissed(ctx, id, a)
	}
	if a.Webhook != nil {
		e.recordDelivery(ctx, id, a, prep.Opts.Redact)
	}
	if e.Observe != nil {
		e.Observe.RunStarted(string(a.Action), a.Trigger)
	}
	rep, err := prep.Run(ctx)
	if err != nil {
		e.finishBad(context.WithoutCancel(ctx), id, err)
		e.observeAborted(a, "error")
		return masked(prep.Opts.Redact, fmt.Errorf("run %s: %w", id, err)) // the run never happened: retry
	}
	if err := e.record(context.WithoutCancel(ctx), id, rep); err != nil {
		prep.Opts.Log.Error("recording the report", "err", err)
	}
	if e.Observe != nil {
		e.Observe.RunFinished(rep, a.Trigger)
	}
	return retryDecision(ctx, a, rep)
}

// prepare checks the job's input exactly as the CLI checks its flags.
func (e *Env) prepare(a RunArgs, id string) (*action.Prepared, error) {
	pb, hosts, err := e.selectHosts(a)
	if err != nil {
		return nil, err
	}
	red, err := action.Redactor(pb, append(slices.Clone(e.Secrets), e.passphrase())...)
	if err != nil {
		return nil, err
	}
	log := e.Log
	if log == nil {
		log = discard
	}
	return action.Prepare(action.Options{
		Action: a.Action, Playbook: pb, Hosts: hosts, Check: a.Check, Forks: max(e.Forks, 1),
		SSH:            func(h playbook.Host) hostConfig { return e.SSH.Config(pb, h) },
		ConnectTimeout: e.SSH.ConnectTimeout, LockWait: e.LockWait,
		Store: e.Store, Redact: red, RunID: id,
		Log: redactedLogger(log, red).With("run", id, "trigger", a.Trigger),
	})
}

// Validate checks a run request as Work will, so that the API answers 400
// at once instead of queueing a job that can only fail.
func (e *Env) Validate(a RunArgs) error {
	if _, err := action.Lookup(a.Action); err != nil {
		return err
	}
	_, _, err := e.selectHosts(a)
	return err
}

// selectHosts is the job's playbook and its hosts after the limit.
func (e *Env) selectHosts(a RunArgs) (*playbook.Playbook, []playbook.Host, error) {
	pb, ok := e.Playbooks[a.Playbook]
	if !ok {
		return nil, nil, fmt.Errorf("%w: playbook %q is not in serve's configuration", action.ErrInput, a.Playbook)
	}
	if a.Limit == "" {
		return pb, pb.Hosts, nil
	}
	hosts, err := inventory.Limit(pb.Hosts, inventory.PlaybookUniverse(pb.Hosts), a.Limit)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: limit: %v", action.ErrInput, err)
	}
	if len(hosts) == 0 {
		return nil, nil, fmt.Errorf("%w: limit %q matches no host of playbook %q", action.ErrInput, a.Limit, a.Playbook)
	}
	return pb, hosts, nil
}

// finishBad ends a run that could not start or could not finish.
func (e *Env) finishBad(ctx context.Context, id string, cause error) {
	status, code := "error", 1
	if errors.Is(cause, action.ErrInput) {
		status, code = "bad-input", 2
	}
	if err := e.Store.FinishRun(ctx, id, status, code, time.Now().UTC()); err != nil && e.Log != nil {
		e.Log.Error("finishing a run that did not happen", "run", id, "err", err)
	}
}

func (e *Env) observeAborted(a RunArgs, outcome string) {
	if e.Observe != nil {
		e.Observe.RunAborted(string(a.Action), a.Trigger, outcome)
	}
}

// masked is err as River may keep it: River stores a job's errors in its
// table (and riverui shows them), past the run's redactor otherwise.
func masked(red *redact.Redactor, err error) error {
	if red == nil {
		red = redact.Default()
	}
	return errors.New(red.String(err.Error()))
}

// redactor is the daemon's known secrets over the built-in patterns, for
// errors of runs that never got a redactor of their own.
func (e *Env) redactor() *redact.Redactor {
	return redact.Default().WithLiterals(append(slices.Clone(e.Secrets), e.passphrase())...)
}
