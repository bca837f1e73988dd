package cli

import (
	"errors"
	"fmt"

	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// Exit codes, the same for every command (README "Exit codes").
const (
	ExitOK          = 0 // success, compliant
	ExitFailed      = 1 // a check or step failed: non-compliant
	ExitBadInput    = 2 // flags or playbook invalid; nothing ran
	ExitUnreachable = 3 // a host could not be reached or trusted
	ExitRolledBack  = 4 // a change was rolled back
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

// hostsExit combines host outcomes: 3 beats 4 beats 1 beats 0, so the most
// actionable problem decides the code of a multi-host run.
func hostsExit(results []*phase.Result) int {
	rank := map[phase.Status]int{phase.StatusOK: 0, phase.StatusFailed: 1, phase.StatusRolledBack: 2, phase.StatusUnreachable: 3}
	code := map[phase.Status]int{phase.StatusOK: ExitOK, phase.StatusFailed: ExitFailed, phase.StatusRolledBack: ExitRolledBack, phase.StatusUnreachable: ExitUnreachable}
	worst := phase.StatusOK
	for _, r := range results {
		if rank[r.Status] > rank[worst] {
			worst = r.Status
		}
	}
	return code[worst]
}
