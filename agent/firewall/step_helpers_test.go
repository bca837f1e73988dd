package firewall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/agent/step/steptest"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/testenv"
)

// agentEnv passes the agent binary, built by the parent of an isolated
// run, to the child that uses it.
const agentEnv = "CK8S_FIREWALL_TEST_AGENT"

// isolate runs the calling top-level test in its own network namespace
// (testenv.Isolated) with the real agent: the step re-executes
// the agent (firewall-watchdog), never the test binary.
// It returns the agent's path in the isolated child and false in the
// parent, which only reports.
func isolate(t *testing.T) (string, bool) {
	t.Helper()
	if bin := os.Getenv(agentEnv); bin != "" {
		return bin, testenv.Isolated(t)
	}
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "go")
	bin, err := buildAgent() // once per test process
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(agentEnv, bin)
	return "", testenv.Isolated(t)
}

// host is one isolated test's view: the agent, a state directory and a
// firewall plan for the backend under test.
type host struct {
	t        *testing.T
	agent    string
	stateDir string
	backend  string
}

func newHost(t *testing.T, agent, backend string) *host {
	return &host{t: t, agent: agent, stateDir: t.TempDir(), backend: backend}
}

// plan is a firewall plan for h; tcp are the ports to allow besides SSH.
func (h *host) plan(check bool, timeout time.Duration, tcp ...int) *plan.Plan {
	return &plan.Plan{
		Protocol: event.Protocol, RunID: "run-" + newID()[:8], Host: "lab-1", Steps: []string{"firewall"},
		Check: check, StateDir: h.stateDir,
		Firewall: &plan.FirewallPlan{
			Backend: h.backend, AllowTCP: tcp, AllowUDP: []int{51820}, SSHPorts: []int{22},
			ConfirmTimeout: plan.Duration(timeout), Persist: true,
		},
	}
}

// hookSink records events and calls on[type] for each.
type hookSink struct {
	steptest.Sink
	on map[string]func(event.Event)
}

func (s *hookSink) Emit(stepName, typ string, status event.Status, msg string, data any) {
	s.Sink.Emit(stepName, typ, status, msg, data)
	if f := s.on[typ]; f != nil {
		f(s.Events[len(s.Events)-1])
	}
}

// outcome is one run of the step.
type outcome struct {
	err     error
	events  []event.Event
	changed bool
}

// run runs the step once with p; on[type] hooks see the events as they
// are emitted (the orchestrator's confirm, a crash).
func (h *host) run(ctx context.Context, p *plan.Plan, s Step, on map[string]func(event.Event)) outcome {
	h.t.Helper()
	s.Self = h.agent
	sink := &hookSink{on: on}
	log := slog.New(slog.NewTextHandler(testWriter{h.t}, nil))
	env := step.NewEnv(p, "/", "firewall", log, sink)
	err := s.Run(ctx, env)
	for _, e := range sink.Events {
		h.t.Logf("event %s %s %s", e.Type, e.Status, e.Message)
	}
	return outcome{err: err, events: sink.Events, changed: env.HasChanged()}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// confirmOnApplied is the orchestrator's half: on firewall.applied it
// confirms the change from a separate agent process.
func (h *host) confirmOnApplied(done chan<- cliResult) map[string]func(event.Event) {
	return map[string]func(event.Event){event.TypeFirewallApplied: func(e event.Event) {
		id := reportOf(h.t, e).ID
		go func() { done <- h.cli("firewall-confirm", "--state-dir", h.stateDir, "--id", id) }()
	}}
}

// confirmByRequest confirms the change as ck8sctl does: it creates the
// file firewall.applied names, from a shell of its own.
func (h *host) confirmByRequest(done chan<- error) map[string]func(event.Event) {
	return map[string]func(event.Event){event.TypeFirewallApplied: func(e event.Event) {
		r := reportOf(h.t, e)
		if !filepath.IsAbs(r.ConfirmRequest) || filepath.Base(r.ConfirmRequest) != "confirm-"+r.ID {
			done <- fmt.Errorf("confirmRequest %q of change %s", r.ConfirmRequest, r.ID)
			return
		}
		go func() {
			out, err := exec.Command("sh", "-c", `: > "$1"`, "sh", r.ConfirmRequest).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("%w: %s", err, out)
			}
			done <- err
		}()
	}}
}

// cliResult is one finished agent command.
type cliResult struct {
	code           int
	stdout, stderr string
}

func (h *host) cli(args ...string) cliResult {
	cmd := exec.Command(h.agent, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
	}
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func reportOf(t *testing.T, e event.Event) Report {
	t.Helper()
	var r Report
	if err := json.Unmarshal(e.Data, &r); err != nil {
		t.Fatalf("%s data: %v", e.Type, err)
	}
	return r
}

// types lists the firewall.* events' types, in order.
func types(evs []event.Event) []string {
	var out []string
	for _, e := range evs {
		if strings.HasPrefix(e.Type, "firewall.") {
			out = append(out, e.Type)
		}
	}
	return out
}

func find(t *testing.T, evs []event.Event, typ string) event.Event {
	t.Helper()
	for _, e := range evs {
		if e.Type == typ {
			return e
		}
	}
	t.Fatalf("no %s event", typ)
	return event.Event{}
}

// backendOf opens the backend the plan names, as the step chooses it.
func (h *host) backendOf() (choice, Backend) {
	h.t.Helper()
	c, err := choose(context.Background(), "/", h.backend)
	if err != nil {
		h.t.Fatal(err)
	}
	b, err := c.open()
	if err != nil {
		h.t.Fatal(err)
	}
	return c, b
}

func (h *host) state() string {
	h.t.Helper()
	_, b := h.backendOf()
	s, err := b.State(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// watchdogs lists the live watchdog processes of h's state directory.
func (h *host) watchdogs() []string {
	var out []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) > 1 && args[1] == "firewall-watchdog" && strings.Contains(string(b), h.stateDir) {
			out = append(out, filepath.Base(filepath.Dir(f)))
		}
	}
	return out
}

// waitNoWatchdog fails unless every watchdog of h is gone within a hang
// guard.
func (h *host) waitNoWatchdog() {
	h.t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if len(h.watchdogs()) == 0 {
			return
		}
	}
	h.t.Fatalf("watchdog process(es) %v left behind", h.watchdogs())
}

func (h *host) pending() *pending {
	h.t.Helper()
	p, err := readPending(txnDir(h.stateDir))
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *host) result(id string) *Result {
	h.t.Helper()
	r, err := readResult(txnDir(h.stateDir), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}
