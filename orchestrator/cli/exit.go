package cli

import (
	"errors"
	"fmt"

	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// Exit codes, the same for every command (README "Exit codes").
const (
	ExitOK          = report.ExitOK          // success, compliant
	ExitFailed      = report.ExitFailed      // a check or step failed: non-compliant
	ExitBadInput    = report.ExitBadInput    // flags or playbook invalid; nothing ran
	ExitUnreachable = report.ExitUnreachable // a host could not be reached or trusted
	ExitRolledBack  = report.ExitRolledBack  // a change was rolled back
	ExitInternal    = report.ExitInternal    // ck8sctl panicked: a bug, never the input's fault
)

// exitError carries an exit code up to Main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the user's input being wrong (exit 2).
func badInput(err error) error { return &exitError{code: ExitBadInput, err: err} }

func badInputf(format string, a ...any) error { return badInput(fmt.Errorf(format, a...)) }

// exitCode maps an error from a command to its exit code.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err == nil {
		return ExitOK
	}
	return ExitFailed
}

// maskedError is an error whose message went through a run's redactor;
// errors.Is and As still see the chain, so the exit code is unchanged.
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// maskErr masks err's message with red; nil stays nil.
func maskErr(red *redact.Redactor, err error) error {
	if err == nil {
		return nil
	}
	return &maskedError{msg: red.String(err.Error()), err: err}
}
