package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// agentBin is the agent, built once per test binary the way a release is
// built: static, stripped, with the tags of agent/buildtags.txt.
var agentBin string

// maxSize is the size budget of the stripped agent: 13.2 MB before the
// manifests step, 19.1 MB with client-go's REST and dynamic clients (7.3 MB
// gzipped, as it travels). client-go's discovery package alone would have
// made it 39.7 MB, which is why agent/manifests maps kinds itself.
const maxSize = 20 << 20

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ck8s-agent-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	agentBin = filepath.Join(dir, "ck8s-agent")
	if err := build(agentBin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func build(out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-tags", buildTags(),
		"-ldflags", "-s -w -X github.com/ck8s/ck8sctl/agent/cli.version=e2e", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the agent: %v\n%s", err, b)
	}
	return nil
}

// buildTags reads agent/buildtags.txt as the Makefile does.
func buildTags() string {
	b, err := os.ReadFile("../../buildtags.txt")
	if err != nil {
		panic(err)
	}
	var tags []string
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		tags = append(tags, strings.Fields(line)...)
	}
	return strings.Join(tags, ",")
}

// fixtureRoot is the fake host shared by the agent's tests.
func fixtureRoot(t *testing.T) string {
	root, err := filepath.Abs("../../testdata/host")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func newPlan(t *testing.T, runID string, steps ...string) *plan.Plan {
	return &plan.Plan{Protocol: event.Protocol, RunID: runID, Host: "lab-1", Steps: steps, StateDir: t.TempDir()}
}

func planJSON(t *testing.T, p *plan.Plan) string {
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// outcome is one finished agent process.
type outcome struct {
	code           int
	stdout, stderr string
}

// start starts the agent with stdin; stdout is left to the caller unless
// out is set.
func start(t *testing.T, stdin string, out io.Writer, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(agentBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout = out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out != nil {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	return cmd, &stderr
}

func wait(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the agent did not finish")
	}
	return -1
}

// agent runs the agent to completion.
func agent(t *testing.T, stdin string, args ...string) outcome {
	t.Helper()
	var stdout bytes.Buffer
	cmd, stderr := start(t, stdin, &stdout, args...)
	code := wait(t, cmd)
	return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func decode(t *testing.T, s string) []event.Event {
	t.Helper()
	var out []event.Event
	d := event.NewDecoder(strings.NewReader(s))
	for {
		e, err := d.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
		out = append(out, e)
	}
}

// checkRun asserts what every complete run's events satisfy.
func checkRun(t *testing.T, evs []event.Event) {
	t.Helper()
	if len(evs) < 2 || evs[0].Type != event.TypeHello || !evs[len(evs)-1].Final() {
		t.Fatalf("want hello first and finished last, got %d events:\n%s", len(evs), types(evs))
	}
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
}

func types(evs []event.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%d %s %s %s %s\n", e.Seq, e.Type, e.Step, e.Status, e.Message)
	}
	return b.String()
}

func readJournal(t *testing.T, stateDir, runID string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(stateDir, "journal", runID+".ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitFor reads events from r until one satisfies ok.
func waitFor(t *testing.T, r *bufio.Reader, ok func(event.Event) bool) {
	t.Helper()
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			t.Fatalf("stdout ended before the awaited event: %v", err)
		}
		if e, lerr := event.Parse(bytes.TrimSpace(line)); lerr == nil && ok(e) {
			return
		}
	}
}
