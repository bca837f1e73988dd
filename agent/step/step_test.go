package step

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// fake is a step that does nothing; fatalFake one that declares itself fatal.
type fake struct{ name string }

func (f fake) Name() string                    { return f.name }
func (f fake) Run(context.Context, *Env) error { return nil }

type fatalFake struct{ fake }

func (fatalFake) Fatal() bool { return true }

func TestResolveKeepsPlanOrder(t *testing.T) {
	r := NewRegistry(fake{name: "a"}, fake{name: "b"}, fake{name: "c"})
	steps, err := r.Resolve([]string{"c", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0].Name() != "c" || steps[1].Name() != "a" {
		t.Fatalf("Resolve = %v, want c then a", steps)
	}
}

func TestResolveRefusesUnknownAndDuplicate(t *testing.T) {
	r := NewRegistry(fake{name: "facts"}, fake{name: "metrics"})
	_, err := r.Resolve([]string{"facts", "firewal", "facts"})
	var re *ResolveError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *ResolveError", err)
	}
	for _, want := range []string{`unknown step(s) "firewal"`, "this agent has facts, metrics", `"facts" more than once`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering a name twice did not panic")
		}
	}()
	NewRegistry(fake{name: "a"}, fake{name: "a"})
}

func TestAborts(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		s    Step
		err  error
		want bool
	}{
		{fake{name: "x"}, nil, false},
		{fake{name: "x"}, boom, false},
		{fake{name: "x"}, Abort(boom), true},
		{fake{name: "x"}, fmt.Errorf("wrapped: %w", Abort(boom)), true},
		{fatalFake{fake{name: "dns"}}, boom, true},
		{fatalFake{fake{name: "dns"}}, nil, false},
	}
	for i, c := range cases {
		if got := Aborts(c.s, c.err); got != c.want {
			t.Errorf("case %d: Aborts(%s, %v) = %v, want %v", i, c.s.Name(), c.err, got, c.want)
		}
	}
	if !errors.Is(Abort(boom), boom) {
		t.Error("Abort hides the cause from errors.Is")
	}
}

type recorder struct{ got []string }

func (r *recorder) Emit(stepName, typ string, status event.Status, msg string, _ any) {
	r.got = append(r.got, fmt.Sprintf("%s %s %s %s", stepName, typ, status, msg))
}

func TestWetGate(t *testing.T) {
	for _, check := range []bool{true, false} {
		rec := &recorder{}
		env := NewEnv(&plan.Plan{Check: check}, "", "fw", slog.New(slog.DiscardHandler), rec)
		applied := false
		err := env.Wet("add chain CK8S-INPUT", func() error { applied = true; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if applied == check || env.HasChanged() == check {
			t.Errorf("check=%v: applied=%v changed=%v", check, applied, env.HasChanged())
		}
		want := "fw change.applied changed add chain CK8S-INPUT"
		if check {
			want = "fw change.planned skipped would add chain CK8S-INPUT"
		}
		if len(rec.got) != 1 || rec.got[0] != want {
			t.Errorf("check=%v: events %q, want %q", check, rec.got, want)
		}
	}
}

func TestWetGateFailure(t *testing.T) {
	env := NewEnv(&plan.Plan{}, "", "fw", slog.New(slog.DiscardHandler), &recorder{})
	boom := errors.New("boom")
	if err := env.Wet("x", func() error { return boom }); err != boom || env.HasChanged() {
		t.Fatalf("err=%v changed=%v, want boom and unchanged", err, env.HasChanged())
	}
}

func TestPathUnderRoot(t *testing.T) {
	env := NewEnv(&plan.Plan{}, "/tmp/host", "x", nil, nil)
	if got := env.Path("/etc/os-release"); got != filepath.FromSlash("/tmp/host/etc/os-release") {
		t.Errorf("Path = %q", got)
	}
	if got := NewEnv(&plan.Plan{}, "", "x", nil, nil).Path("/proc"); got != "/proc" {
		t.Errorf("default root: Path = %q", got)
	}
}
