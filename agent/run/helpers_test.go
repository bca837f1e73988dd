package run

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/agent/journal"
	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// fn is a step made of a function; checker and fatal add capabilities.
type fn struct {
	name string
	run  func(context.Context, *step.Env) error
}

func (f fn) Name() string { return f.name }
func (f fn) Run(ctx context.Context, env *step.Env) error {
	if f.run == nil {
		return nil
	}
	return f.run(ctx, env)
}

type checker struct{ fn }

func (checker) CheckSafe() bool { return true }

type fatal struct{ fn }

func (fatal) Fatal() bool { return true }

// result is what a run left behind.
type result struct {
	err     error
	stdout  []event.Event
	journal []event.Event
	rawOut  string
	rawJrnl string
	stderr  string
}

func newPlan(t *testing.T, steps ...string) *plan.Plan {
	return &plan.Plan{Protocol: event.Protocol, RunID: "run-1", Host: "lab-1", Steps: steps, StateDir: t.TempDir()}
}

func encode(t *testing.T, p *plan.Plan) string {
	t.Helper()
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// execute runs planJSON with steps registered, stdout going to out (a
// buffer when nil).
func execute(t *testing.T, ctx context.Context, planJSON, stateDir string, out interface{ Write([]byte) (int, error) }, steps ...step.Step) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	w := out
	if w == nil {
		w = &stdout
	}
	r := &Runner{Steps: step.NewRegistry(steps...), Version: "test", Stdout: w, Stderr: &stderr, Drain: 2 * time.Second}
	var res result
	res.err = r.Run(ctx, strings.NewReader(planJSON))
	res.rawOut, res.stderr = stdout.String(), stderr.String()
	res.stdout = decodeAll(t, res.rawOut)
	if b, err := os.ReadFile(journal.Path(stateDir, "run-1")); err == nil {
		res.rawJrnl = string(b)
		res.journal = decodeAll(t, res.rawJrnl)
	}
	return res
}

func decodeAll(t *testing.T, s string) []event.Event {
	t.Helper()
	var out []event.Event
	d := event.NewDecoder(strings.NewReader(s))
	for {
		e, err := d.Next()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("decoding events: %v\n%s", err, s)
			}
			return out
		}
		out = append(out, e)
	}
}

// checkShape asserts the invariants of every run's event stream.
func checkShape(t *testing.T, evs []event.Event) {
	t.Helper()
	if len(evs) < 2 {
		t.Fatalf("%d events, want at least hello and finished", len(evs))
	}
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: not contiguous from 1", i, e.Seq)
		}
	}
	if evs[0].Type != event.TypeHello || !evs[len(evs)-1].Final() {
		t.Fatalf("first %s, last %s: want hello first and finished last", evs[0].Type, evs[len(evs)-1].Type)
	}
}

// types lists "type/step/status" of evs, one per event.
func types(evs []event.Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(e.Type)
		if e.Step != "" {
			b.WriteString("/" + e.Step)
		}
		b.WriteString("/" + string(e.Status) + "\n")
	}
	return b.String()
}

func journalDir(stateDir string) string { return filepath.Join(stateDir, journal.Dir) }
