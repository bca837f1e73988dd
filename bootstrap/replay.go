package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// agentExitTimeout is the agent's exit status for `journal --follow`
// ending at its --timeout before the run's final event.
const agentExitTimeout = 3

// ErrStillRunning means the run is still going on the host: its journal
// had no final event by the end of the wait. Read it again later.
var ErrStillRunning = errors.New("the run is still going on the host")

// ErrUnfinished means the run's journal ends without its final event and
// the agent that wrote it is gone (killed, or the host rebooted): the
// journal will not grow.
var ErrUnfinished = errors.New("the journal ends without the run's final event")

// Replay reads what the host's journal holds of runID after seq `after`
// and hands each event to sink: the rest of a run whose orchestrator died
// (an interrupted run), read on a later contact. If the journal has no
// final event yet, it follows it for up to wait, since the agent may
// still be running (waiting for a firewall confirmation that will not
// come, until its watchdog rolls back). It uploads nothing: a host without
// the current agent answers with the guard's exit (see NeedAgent).
func (r *Runner) Replay(ctx context.Context, c remote.Runner, stateDir, runID, host string, after int64, wait time.Duration, sink Sink) (int, error) {
	st := &stream{runID: runID, host: host, redact: r.Redact, sink: sink, last: after}
	read := func(extra ...string) error {
		var out Outcome
		args := append([]string{"journal", "--state-dir", stateDir, "--run", runID, "--after", strconv.FormatInt(st.last, 10)}, extra...)
		return r.session(ctx, c, st, Command(stateDir, r.Agents, args...), nil, &out)
	}
	err := read()
	if err == nil && st.final == nil && wait > 0 {
		err = read("--follow", "--timeout", wait.String())
		var ee *remote.ExitError
		if errors.As(err, &ee) && ee.Code == agentExitTimeout {
			err = fmt.Errorf("%w (waited %s)", ErrStillRunning, wait)
		}
	}
	if err == nil && st.final == nil {
		err = ErrUnfinished
	}
	return st.seen, err
}

// NeedAgent reports whether err is the launch guard's answer that the
// host lacks the current agent.
func NeedAgent(err error) bool {
	_, need := needAgent(err)
	return need
}
