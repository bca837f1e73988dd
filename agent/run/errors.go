package run

import "errors"

// PlanError is a plan the agent cannot run: unreadable JSON, another
// protocol, an unknown step, an invalid mask. Not retryable: the same plan
// fails the same way.
type PlanError struct{ Err error }

func (e *PlanError) Error() string { return "bad plan: " + e.Err.Error() }
func (e *PlanError) Unwrap() error { return e.Err }

// ErrStepFailed is a run in which at least one step failed. Each failure
// was reported in its own step.finished event.
var ErrStepFailed = errors.New("one or more steps failed")
