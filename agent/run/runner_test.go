package run

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
)

func TestRunEventsAndJournal(t *testing.T) {
	p := newPlan(t, "b", "a")
	a := fn{name: "a", run: func(_ context.Context, env *step.Env) error {
		env.Emit("a.done", event.StatusInfo, "did a", map[string]int{"n": 1})
		return nil
	}}
	b := fn{name: "b", run: func(_ context.Context, env *step.Env) error { env.Changed(); return nil }}
	res := execute(t, context.Background(), encode(t, p), p.StateDir, nil, a, b)
	if res.err != nil {
		t.Fatalf("Run: %v\n%s", res.err, res.stderr)
	}
	checkShape(t, res.stdout)
	want := `agent.hello/info
bootstrap.started/started
step.started/b/started
step.finished/b/changed
step.started/a/started
a.done/a/info
step.finished/a/ok
bootstrap.finished/changed
`
	if got := types(res.stdout); got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
	if res.rawJrnl != res.rawOut {
		t.Errorf("journal differs from stdout:\n%s\n---\n%s", res.rawJrnl, res.rawOut)
	}
	var h event.Hello
	json.Unmarshal(res.stdout[0].Data, &h)
	if h.Protocol != event.Protocol || h.AgentVersion != "test" || h.PID == 0 {
		t.Errorf("hello = %+v", h)
	}
	var sf event.StepFinished
	if err := json.Unmarshal(res.stdout[3].Data, &sf); err != nil || sf.DurationSeconds < 0 {
		t.Errorf("step.finished data = %s", res.stdout[3].Data)
	}
}

func TestFailedStepDoesNotStopTheRun(t *testing.T) {
	p := newPlan(t, "a", "b")
	a := fn{name: "a", run: func(context.Context, *step.Env) error { return errors.New("disk on fire") }}
	ranB := false
	b := fn{name: "b", run: func(context.Context, *step.Env) error { ranB = true; return nil }}
	res := execute(t, context.Background(), encode(t, p), p.StateDir, nil, a, b)
	if !errors.Is(res.err, ErrStepFailed) || !ranB {
		t.Fatalf("err = %v, ranB = %v: want ErrStepFailed and b run", res.err, ranB)
	}
	last := res.stdout[len(res.stdout)-1]
	var f event.Finished
	json.Unmarshal(last.Data, &f)
	if last.Status != event.StatusFailed || f.Failed != 1 || f.Steps != 2 || f.Failure != "step a: disk on fire" {
		t.Errorf("finished = %s %s", last.Status, last.Data)
	}
	if res.stdout[3].Message != "disk on fire" || res.stdout[3].Status != event.StatusFailed {
		t.Errorf("step.finished of a = %+v", res.stdout[3])
	}
}

func TestAbortingStepStopsTheRun(t *testing.T) {
	boom := errors.New("resolver unreachable")
	for name, dns := range map[string]step.Step{
		"sentinel": fn{name: "dns", run: func(context.Context, *step.Env) error { return step.Abort(boom) }},
		"fatal":    fatal{fn{name: "dns", run: func(context.Context, *step.Env) error { return boom }}},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPlan(t, "dns", "firewall")
			fw := fn{name: "firewall", run: func(context.Context, *step.Env) error { t.Error("firewall ran"); return nil }}
			res := execute(t, context.Background(), encode(t, p), p.StateDir, nil, dns, fw)
			checkShape(t, res.stdout)
			want := `agent.hello/info
bootstrap.started/started
step.started/dns/started
step.finished/dns/failed
step.finished/firewall/skipped
bootstrap.finished/failed
`
			if got := types(res.stdout); got != want || !errors.Is(res.err, ErrStepFailed) {
				t.Errorf("err %v, events:\n%s\nwant:\n%s", res.err, got, want)
			}
		})
	}
}

func TestPanickingStepFails(t *testing.T) {
	p := newPlan(t, "a", "b")
	a := fn{name: "a", run: func(context.Context, *step.Env) error { panic("nil map") }}
	res := execute(t, context.Background(), encode(t, p), p.StateDir, nil, a, fn{name: "b"})
	checkShape(t, res.stdout)
	if res.stdout[3].Status != event.StatusFailed || res.stdout[3].Message != "step a panicked: nil map" {
		t.Errorf("step.finished of a = %+v", res.stdout[3])
	}
	if res.stdout[5].Type != event.TypeStepFinished || res.stdout[5].Status != event.StatusOK {
		t.Errorf("b after the panic = %+v", res.stdout[5])
	}
}

func TestCheckModeRunsOnlyCheckers(t *testing.T) {
	p := newPlan(t, "reader", "writer")
	p.Check = true
	reader := checker{fn{name: "reader"}}
	writer := fn{name: "writer", run: func(context.Context, *step.Env) error { t.Error("writer ran in check mode"); return nil }}
	res := execute(t, context.Background(), encode(t, p), p.StateDir, nil, reader, writer)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if got := types(res.stdout[2:]); got != "step.started/reader/started\nstep.finished/reader/ok\nstep.finished/writer/skipped\nbootstrap.finished/ok\n" {
		t.Errorf("events:\n%s", got)
	}
}

func TestInterruptedRunSkipsSteps(t *testing.T) {
	p := newPlan(t, "a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := execute(t, ctx, encode(t, p), p.StateDir, nil, fn{name: "a"})
	checkShape(t, res.stdout)
	if res.err == nil || res.stdout[2].Status != event.StatusSkipped {
		t.Errorf("err %v, events:\n%s", res.err, types(res.stdout))
	}
}

func TestInvalidEventTypeBecomesAgentError(t *testing.T) {
	p := newPlan(t, "a")
	a := fn{name: "a", run: func(_ context.Context, env *step.Env) error {
		env.Emit("Not A Type", event.StatusInfo, "oops", nil)
		return nil
	}}
	res := execute(t, context.Background(), encode(t, p), p.StateDir, nil, a)
	checkShape(t, res.stdout)
	if e := res.stdout[3]; e.Type != event.TypeAgentError || e.Step != "a" {
		t.Errorf("event = %+v, want agent.error from step a", e)
	}
}
