package cli

import (
	"errors"
	"fmt"

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
