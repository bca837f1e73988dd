package run

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// tally is how the steps went.
type tally struct {
	ran, failed int
	changed     bool
	failure     string // the first failure
	abortedBy   string // the step that stopped the run, or why it stopped
}

func (r *Runner) runSteps(ctx context.Context, p *plan.Plan, steps []step.Step, em *emitter, log *slog.Logger) error {
	em.Emit("", event.TypeBootstrapStarted, event.StatusStarted, fmt.Sprintf("running %d step(s)", len(steps)),
		event.Started{Steps: p.Steps, Check: p.Check})
	var t tally
	for _, s := range steps {
		if reason := t.skip(ctx, p, s); reason != "" {
			em.Emit(s.Name(), event.TypeStepFinished, event.StatusSkipped, reason, nil)
			continue
		}
		env := step.NewEnv(p, r.Root, s.Name(), log.With("step", s.Name()), em)
		err := r.runOne(ctx, s, env, em)
		t.add(s, env, err)
	}
	return r.finish(em, t)
}

// skip says why s does not run, or "" if it does.
func (t *tally) skip(ctx context.Context, p *plan.Plan, s step.Step) string {
	switch {
	case t.abortedBy != "":
		return "not run: " + t.abortedBy
	case ctx.Err() != nil:
		t.abortedBy = "the agent was interrupted"
		return "not run: " + t.abortedBy
	case p.Check && !checkSafe(s):
		return "skipped: the step does not support check mode"
	}
	return ""
}

func (t *tally) add(s step.Step, env *step.Env, err error) {
	t.ran++
	t.changed = t.changed || env.HasChanged()
	if err == nil {
		return
	}
	t.failed++
	if t.failure == "" {
		t.failure = fmt.Sprintf("step %s: %v", s.Name(), err)
	}
	if step.Aborts(s, err) {
		t.abortedBy = fmt.Sprintf("step %s failed and aborted the run", s.Name())
	}
}

func checkSafe(s step.Step) bool {
	c, ok := s.(step.Checker)
	return ok && c.CheckSafe()
}

// runOne runs s between its step.started and step.finished events.
func (r *Runner) runOne(ctx context.Context, s step.Step, env *step.Env, em *emitter) error {
	em.Emit(s.Name(), event.TypeStepStarted, event.StatusStarted, "", nil)
	start := r.Now()
	err := safeRun(ctx, s, env)
	d := r.Now().Sub(start)
	status, msg := event.StatusOK, "ok"
	switch {
	case err != nil:
		status, msg = event.StatusFailed, err.Error()
		env.Log.Error("step failed", "duration", d.Seconds(), "err", err)
	case env.HasChanged():
		status, msg = event.StatusChanged, "changed"
	}
	if err == nil {
		env.Log.Info("step finished", "duration", d.Seconds(), "status", status)
	}
	em.Emit(s.Name(), event.TypeStepFinished, status, msg, event.StepFinished{DurationSeconds: d.Seconds()})
	return err
}

// safeRun turns a panicking step into a failed one: the run, its journal
// and the host lock must outlive a bug in one step.
func safeRun(ctx context.Context, s step.Step, env *step.Env) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &step.PanicError{Step: s.Name(), Value: v}
		}
	}()
	return s.Run(ctx, env)
}

func (r *Runner) finish(em *emitter, t tally) error {
	status, msg := event.StatusOK, fmt.Sprintf("%d step(s) ok", t.ran)
	var err error
	switch {
	case t.failed > 0:
		status, msg, err = event.StatusFailed, fmt.Sprintf("%d of %d step(s) failed", t.failed, t.ran), ErrStepFailed
	case t.abortedBy != "":
		status, msg, err = event.StatusFailed, t.abortedBy, errors.New(t.abortedBy)
		t.failure = t.abortedBy
	case t.changed:
		status = event.StatusChanged
	}
	em.Emit("", event.TypeBootstrapFinished, status, msg,
		event.Finished{Steps: t.ran, Failed: t.failed, Failure: t.failure})
	return err
}
