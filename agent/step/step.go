// Package step is the agent's step contract: a Step has a name and a Run
// method, gets everything it may touch through an Env, and reports by
// emitting events. Optional capabilities (check mode, aborting the run) are
// small interfaces a step implements or not. Steps live in their own
// packages and are registered in one list (agent/cli/steps.go).
package step

import (
	"context"
	"errors"
	"fmt"
)

// Step is one unit of work the plan names.
type Step interface {
	// Name is the plan's name for the step ("facts", "metrics").
	Name() string
	// Run does the work. A nil error ends the step ok (or changed, if it
	// changed the host through Env.Wet or Env.Changed).
	Run(ctx context.Context, env *Env) error
}

// Checker is implemented by steps that are honest in check mode: they only
// read the host, or every change goes through Env.Wet. In check mode the
// runner skips every step that is not a Checker, rather than trust it.
type Checker interface {
	Step
	CheckSafe() bool
}

// Fatal is implemented by steps whose failure must stop the run: whatever
// comes after them depends on them (a DNS preflight before any change).
type Fatal interface {
	Step
	Fatal() bool
}

// ErrAbort marks an error after which no further step runs. Steps return it
// through Abort when only some failures are fatal.
var ErrAbort = errors.New("run aborted")

// Abort wraps err so that the runner stops after this step.
func Abort(err error) error { return &abortError{err: err} }

type abortError struct{ err error }

func (e *abortError) Error() string   { return e.err.Error() }
func (e *abortError) Unwrap() []error { return []error{e.err, ErrAbort} }

// Aborts reports whether a failure of s with err ends the run.
func Aborts(s Step, err error) bool {
	if err == nil {
		return false
	}
	if f, ok := s.(Fatal); ok && f.Fatal() {
		return true
	}
	return errors.Is(err, ErrAbort)
}

// PanicError is a step that panicked; the runner turns the panic into a
// failed step instead of losing the whole run (and its journal).
type PanicError struct {
	Step  string
	Value any
}

func (e *PanicError) Error() string { return fmt.Sprintf("step %s panicked: %v", e.Step, e.Value) }
