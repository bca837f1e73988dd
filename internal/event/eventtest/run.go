// Package eventtest builds an agent's event stream for tests of its
// consumers: one run's events on one host, numbered and shaped as the
// agent writes them (agent.hello first, bootstrap.finished last), encoded
// as the NDJSON lines on its stdout.
package eventtest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// Run is one run's events on one host, seq 1 onwards.
type Run struct {
	ID, Host string
	Events   []event.Event

	t      testing.TB
	lines  [][]byte
	steps  int
	failed int
	first  string // the first failure, as the agent reports it
}

// NewRun starts a run with the agent.hello of this build's protocol.
func NewRun(t testing.TB, id, host string) *Run {
	r := &Run{ID: id, Host: host, t: t}
	return r.Add(event.TypeHello, event.StatusInfo, "", "", event.Hello{Protocol: event.Protocol, AgentVersion: "test", Arch: "amd64"})
}

// Add appends one event; data is encoded as JSON (nil: none).
func (r *Run) Add(typ string, st event.Status, step, msg string, data any) *Run {
	r.t.Helper()
	e := event.Event{Time: time.Unix(1700000000, 0).UTC().Add(time.Duration(len(r.Events)) * time.Millisecond),
		RunID: r.ID, Host: r.Host, Seq: int64(len(r.Events) + 1), Type: typ, Step: step, Status: st, Message: msg}
	if data != nil {
		raw, err := json.Marshal(data)
		if err != nil {
			r.t.Fatal(err)
		}
		e.Data = raw
	}
	line, err := event.Marshal(e)
	if err != nil {
		r.t.Fatal(err)
	}
	r.Events = append(r.Events, e)
	r.lines = append(r.lines, line)
	if typ == event.TypeStepFinished && st != event.StatusSkipped {
		r.steps++
		if st == event.StatusFailed {
			if r.failed++; r.first == "" {
				r.first = fmt.Sprintf("step %s: %s", step, msg)
			}
		}
	}
	return r
}

// Started appends bootstrap.started for the named steps.
func (r *Run) Started(steps ...string) *Run {
	return r.Add(event.TypeBootstrapStarted, event.StatusStarted, "", fmt.Sprintf("running %d step(s)", len(steps)), event.Started{Steps: steps})
}

// Step appends a step's step.started and step.finished with status st.
// Events the step reports itself go between StepStarted and StepFinished.
func (r *Run) Step(name string, st event.Status, msg string) *Run {
	return r.StepStarted(name).StepFinished(name, st, msg)
}

// StepStarted appends step.started.
func (r *Run) StepStarted(name string) *Run {
	return r.Add(event.TypeStepStarted, event.StatusStarted, name, "", nil)
}

// StepFinished appends step.finished with status st.
func (r *Run) StepFinished(name string, st event.Status, msg string) *Run {
	return r.Add(event.TypeStepFinished, st, name, msg, event.StepFinished{DurationSeconds: 0.01})
}

// Finish appends bootstrap.finished, tallying the step.finished events.
func (r *Run) Finish() *Run {
	st, msg := event.StatusOK, fmt.Sprintf("%d step(s) ok", r.steps)
	if r.failed > 0 {
		st, msg = event.StatusFailed, fmt.Sprintf("%d of %d step(s) failed", r.failed, r.steps)
	}
	return r.Add(event.TypeBootstrapFinished, st, "", msg, event.Finished{Steps: r.steps, Failed: r.failed, Failure: r.first})
}

// Lines returns the NDJSON lines of the events with seq > after, one
// line (newline included) each, as a journal replay --after would send.
func (r *Run) Lines(after int64) [][]byte {
	if after < 0 || after > int64(len(r.lines)) {
		return nil
	}
	return r.lines[after:]
}

// NDJSON is the whole stream as the agent writes it.
func (r *Run) NDJSON() []byte {
	var b []byte
	for _, l := range r.lines {
		b = append(b, l...)
	}
	return b
}
