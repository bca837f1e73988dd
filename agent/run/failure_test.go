package run

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/agent/lock"
	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
)

func TestBadPlansAreRefusedBeforeTouchingTheHost(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, plan, want, absent string }{
		{"not json", `{"protocol": 1, "runId": `, "reading plan from stdin", ""},
		{"wrong protocol", `{"protocol": 99, "runId": "run-1", "host": "lab-1", "steps": ["a"], "stateDir": "` + dir + `", "newField": true}`,
			"plan speaks protocol 99, this agent (version test) speaks protocol 1", ""},
		{"unknown field", `{"protocol": 1, "runId": "run-1", "host": "lab-1", "steps": ["a"], "stateDir": "` + dir + `", "stpes": []}`,
			`unknown field "stpes"`, ""},
		{"unknown step", `{"protocol": 1, "runId": "run-1", "host": "lab-1", "steps": ["a", "dns"], "stateDir": "` + dir + `"}`,
			`unknown step(s) "dns"; this agent has a`, ""},
		{"bad mask", `{"protocol": 1, "runId": "run-1", "host": "lab-1", "steps": ["a"], "stateDir": "` + dir + `", "mask": ["ok", "hunter2-(unclosed"]}`,
			`plan field "mask"[1]: not a regular expression: missing closing )`, "hunter2"},
		{"unsafe run id", `{"protocol": 1, "runId": "../../etc/cron.d/x", "host": "lab-1", "steps": ["a"], "stateDir": "` + dir + `"}`,
			`plan field "runId"`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := execute(t, context.Background(), c.plan, dir, nil, fn{name: "a", run: func(context.Context, *step.Env) error {
				t.Error("a step ran")
				return nil
			}})
			var pe *PlanError
			if !errors.As(res.err, &pe) {
				t.Fatalf("err = %v, want *PlanError", res.err)
			}
			checkShape(t, res.stdout)
			if got := types(res.stdout); got != "agent.hello/info\nagent.error/failed\nbootstrap.finished/failed\n" {
				t.Errorf("events:\n%s", got)
			}
			if msg := res.stdout[1].Message; !strings.Contains(msg, c.want) {
				t.Errorf("agent.error %q lacks %q", msg, c.want)
			}
			if c.absent != "" && strings.Contains(res.rawOut+res.stderr, c.absent) {
				t.Errorf("output repeats %q:\n%s\n%s", c.absent, res.rawOut, res.stderr)
			}
			if _, err := os.Stat(journalDir(dir)); !os.IsNotExist(err) {
				t.Errorf("a bad plan created the journal directory (%v)", err)
			}
		})
	}
}

func TestLockTimeoutNamesHolder(t *testing.T) {
	p := newPlan(t, "a")
	p.LockWait = 100 * 1e6 // 100ms
	held, err := lock.Acquire(context.Background(), p.StateDir, lock.Holder{RunID: "run-0", PID: 1, Started: time.Now()}, lock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	res := execute(t, context.Background(), encode(t, p), p.StateDir, nil, fn{name: "a"})
	var te *lock.TimeoutError
	if !errors.As(res.err, &te) {
		t.Fatalf("err = %v, want *lock.TimeoutError", res.err)
	}
	checkShape(t, res.journal)
	if got := types(res.stdout); got != "agent.hello/info\nlock.waiting/info\nagent.error/failed\nbootstrap.finished/failed\n" {
		t.Errorf("events:\n%s", got)
	}
	for _, i := range []int{1, 2} {
		if !strings.Contains(res.stdout[i].Message, "run run-0") {
			t.Errorf("%s %q does not name run-0", res.stdout[i].Type, res.stdout[i].Message)
		}
	}
}

func TestUnusableStateDir(t *testing.T) {
	p := newPlan(t, "a")
	p.StateDir = filepath.Join(p.StateDir, "file")
	os.WriteFile(p.StateDir, nil, 0o600)
	res := execute(t, context.Background(), encode(t, p), p.StateDir, nil, fn{name: "a"})
	checkShape(t, res.stdout)
	if res.err == nil || !strings.Contains(res.stdout[1].Message, "creating journal directory") {
		t.Fatalf("err %v, events:\n%s", res.err, types(res.stdout))
	}
}

// brokenPipe fails every write after the first n, as stdout does once the
// SSH connection is gone.
type brokenPipe struct {
	mu sync.Mutex
	n  int
}

func (b *brokenPipe) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n <= 0 {
		return 0, errors.New("write |1: broken pipe")
	}
	b.n--
	return len(p), nil
}

// stalled blocks every write, as stdout does when the connection hangs.
type stalled struct{}

func (stalled) Write([]byte) (int, error) { select {} }

func TestRunOutlivesItsStdout(t *testing.T) {
	for name, out := range map[string]interface{ Write([]byte) (int, error) }{
		"broken":  &brokenPipe{n: 2},
		"stalled": stalled{},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPlan(t, "a", "b")
			ranB := false
			b := fn{name: "b", run: func(context.Context, *step.Env) error { ranB = true; return nil }}
			done := make(chan result)
			go func() { done <- execute(t, context.Background(), encode(t, p), p.StateDir, out, fn{name: "a"}, b) }()
			select {
			case res := <-done:
				if res.err != nil || !ranB {
					t.Fatalf("err %v, ranB %v", res.err, ranB)
				}
				checkShape(t, res.journal)
				if len(res.journal) != 7 {
					t.Errorf("journal has %d events, want 7:\n%s", len(res.journal), types(res.journal))
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the run blocked on its stdout")
			}
		})
	}
}

func TestSecretsNeverLeave(t *testing.T) {
	const (
		pem   = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----"
		token = "tok3n-s3cr3t-value"
		corp  = "ACME-4711-SECRET"
	)
	p := newPlan(t, "leaky")
	p.Labels = map[string]string{"key": pem, "url": "https://x/?token=" + token, "note": "id " + corp}
	p.Mask = []string{`ACME-[0-9]+-SECRET`}
	leaky := fn{name: "leaky", run: func(_ context.Context, env *step.Env) error {
		env.Log.Info("labels", "labels", env.Plan.Labels, "note", env.Plan.Labels["note"])
		env.Emit("leaky.found", event.StatusInfo, "found "+corp+" and token="+token, env.Plan.Labels)
		return errors.New("failed with " + pem)
	}}
	res := execute(t, context.Background(), encode(t, p), p.StateDir, nil, leaky)
	if !errors.Is(res.err, ErrStepFailed) {
		t.Fatalf("err = %v", res.err)
	}
	for sink, text := range map[string]string{"stdout": res.rawOut, "journal": res.rawJrnl, "stderr": res.stderr} {
		for _, secret := range []string{"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", token, corp} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %q:\n%s", sink, secret, text)
			}
		}
	}
	if !strings.Contains(res.stderr, `"host":"lab-1"`) || !strings.Contains(res.stderr, `"step":"leaky"`) {
		t.Errorf("stderr lacks the fixed keys:\n%s", res.stderr)
	}
}
