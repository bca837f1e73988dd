// Package run is the agent's runner: it reads a plan on stdin, takes the
// host lock, runs the plan's steps in order and reports every event on
// stdout and in the run's journal, redacted. Events of a run: agent.hello,
// (lock.waiting), bootstrap.started, per step step.started, the step's own
// events and step.finished, then bootstrap.finished, with seq 1, 2, 3...
package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/ck8s/ck8sctl/agent/journal"
	"github.com/ck8s/ck8sctl/agent/lock"
	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
)

// Runner runs one plan. Set Steps, Stdout and Stderr; the rest defaults.
type Runner struct {
	Steps   *step.Registry
	Version string // reported in agent.hello
	// Root is the host root prefix steps read under; "/" by default.
	Root           string
	Stdout, Stderr io.Writer
	LogLevel       slog.Level
	// Keep is how many journals to keep; journal.Keep by default.
	Keep int
	// Drain bounds the wait for stdout at the end; 10s by default.
	Drain time.Duration
	Now   func() time.Time
}

// Run reads the plan from stdin and runs it. The error is a *PlanError
// for a bad plan, a *lock.TimeoutError (wrapped) when another run kept the
// host lock, ErrStepFailed when a step failed; each also reported as an
// event.
func (r *Runner) Run(ctx context.Context, stdin io.Reader) error {
	r.defaults()
	out, errOut := newLineWriter(r.Stdout), newLineWriter(r.Stderr)
	defer errOut.Close(r.Drain)
	defer out.Close(r.Drain)

	p, steps, red, id, err := r.load(stdin)
	if err != nil {
		log := r.logger(errOut, redact.Default(), id.host)
		em := &emitter{runID: orUnknown(id.runID), host: orUnknown(id.host), red: redact.Default(), now: r.Now, out: out, log: log}
		r.hello(em)
		return r.abort(em, log, &PlanError{Err: err})
	}
	log := r.logger(errOut, red, p.Host).With("runId", p.RunID)
	em := &emitter{runID: p.RunID, host: p.Host, red: red, now: r.Now, out: out, log: log}
	jw, err := journal.Create(p.Dir(), p.RunID)
	if err != nil {
		r.hello(em)
		return r.abort(em, log, err)
	}
	defer jw.Close()
	em.journal = jw
	r.hello(em)
	log.Info("plan received", "steps", p.Steps, "check", p.Check, "labels", p.Labels)

	lk, err := r.lock(ctx, p, em)
	if err != nil {
		return r.abort(em, log, err)
	}
	defer lk.Release()
	if err := journal.Prune(p.Dir(), r.Keep, p.RunID); err != nil {
		log.Warn("pruning old journals", "err", err)
	}
	return r.runSteps(ctx, p, steps, em, log)
}

func (r *Runner) defaults() {
	if r.Root == "" {
		r.Root = "/"
	}
	if r.Keep <= 0 {
		r.Keep = journal.Keep
	}
	if r.Drain <= 0 {
		r.Drain = 10 * time.Second
	}
	if r.Now == nil {
		r.Now = time.Now
	}
}

// load reads and checks everything about the plan before anything is
// written on the host: a bad plan leaves no journal and takes no lock.
func (r *Runner) load(stdin io.Reader) (*plan.Plan, []step.Step, *redact.Redactor, ids, error) {
	p, id, err := readPlan(stdin, r.Version)
	if err != nil {
		return nil, nil, nil, id, err
	}
	steps, err := r.Steps.Resolve(p.Steps)
	if err != nil {
		return nil, nil, nil, id, err
	}
	red, err := redact.New(p.Mask)
	if err != nil {
		return nil, nil, nil, id, errors.New("plan field \"mask\": not accepted by the redactor")
	}
	return p, steps, red, id, nil
}

func (r *Runner) logger(w io.Writer, red *redact.Redactor, host string) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: r.LogLevel})
	return slog.New(red.Handler(h)).With("host", orUnknown(host))
}

func (r *Runner) hello(em *emitter) {
	em.Emit("", event.TypeHello, event.StatusInfo, "ck8s-agent "+r.Version, event.Hello{
		Protocol: event.Protocol, AgentVersion: r.Version, Arch: runtime.GOARCH, PID: os.Getpid(),
	})
}

func (r *Runner) lock(ctx context.Context, p *plan.Plan, em *emitter) (*lock.Lock, error) {
	me := lock.Holder{RunID: p.RunID, PID: os.Getpid(), Started: r.Now().UTC()}
	return lock.Acquire(ctx, p.Dir(), me, lock.Options{
		Wait: time.Duration(p.LockWait),
		OnWait: func(h lock.Holder) {
			msg := fmt.Sprintf("waiting up to %s for the host lock held by %s", time.Duration(p.LockWait), h)
			if p.LockWait == 0 {
				msg = fmt.Sprintf("the host lock is held by %s; the plan's lockWait is 0: not waiting", h)
			}
			em.Emit("", event.TypeLockWaiting, event.StatusInfo, msg, h)
		},
	})
}

// abort ends a run that could not run its steps: an agent.error naming the
// reason, then the final event.
func (r *Runner) abort(em *emitter, log *slog.Logger, err error) error {
	log.Error("run aborted", "err", err)
	em.Emit("", event.TypeAgentError, event.StatusFailed, err.Error(), nil)
	em.Emit("", event.TypeBootstrapFinished, event.StatusFailed, err.Error(),
		event.Finished{Failure: err.Error()})
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
