package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/agent/cli"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/internal/plan"
)

func TestBinarySize(t *testing.T) {
	fi, err := os.Stat(agentBin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stripped agent: %.1f MB", float64(fi.Size())/(1<<20))
	if fi.Size() > maxSize {
		t.Errorf("the stripped agent is %d bytes, over the %d budget", fi.Size(), maxSize)
	}
}

func TestVersion(t *testing.T) {
	o := agent(t, "", "version")
	if want := fmt.Sprintf("ck8s-agent e2e protocol %d linux/%s\n", event.Protocol, runtime.GOARCH); o.code != 0 || o.stdout != want {
		t.Errorf("version: exit %d %q, want %q", o.code, o.stdout, want)
	}
}

func TestRunOnFixtureHost(t *testing.T) {
	p := newPlan(t, "run-fixture", "facts", "metrics")
	p.Labels = map[string]string{"role": "server"}
	o := agent(t, planJSON(t, p), "run", "--root", fixtureRoot(t))
	if o.code != cli.ExitOK {
		t.Fatalf("exit %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	evs := decode(t, o.stdout)
	checkRun(t, evs)
	if j := readJournal(t, p.StateDir, p.RunID); j != o.stdout {
		t.Errorf("journal differs from stdout:\n%s\n---\n%s", j, o.stdout)
	}
	var hello event.Hello
	json.Unmarshal(evs[0].Data, &hello)
	if hello.AgentVersion != "e2e" || hello.Protocol != event.Protocol || hello.Arch != runtime.GOARCH {
		t.Errorf("hello = %+v", hello)
	}
	var f facts.Facts
	var m facts.Metrics
	for _, e := range evs {
		switch e.Type {
		case event.TypeFactsCollected:
			json.Unmarshal(e.Data, &f)
		case event.TypeMetricsCollected:
			json.Unmarshal(e.Data, &m)
		}
	}
	if f.Hostname != "lab-1" || f.OS.ID != "debian" || f.Labels["role"] != "server" {
		t.Errorf("facts = %+v", f)
	}
	if m.CPUs != 2 || m.Memory.TotalBytes != 4030060*1024 || len(m.Collectors) != 5 {
		t.Errorf("metrics = %+v", m)
	}
	for _, line := range strings.Split(strings.TrimSpace(o.stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["host"] != "lab-1" {
			t.Errorf("stderr line is not slog JSON with host: %s", line)
		}
	}
}

func TestRunOnRealHost(t *testing.T) {
	p := newPlan(t, "run-real", "facts", "metrics")
	o := agent(t, planJSON(t, p), "run")
	if o.code != cli.ExitOK {
		t.Fatalf("exit %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	checkRun(t, decode(t, o.stdout))
}

func TestStdoutClosedEarly(t *testing.T) {
	root, open := gatedRoot(t)
	p := newPlan(t, "run-dropped", "facts", "metrics")
	cmd, _ := start(t, planJSON(t, p), nil, "run", "--root", root)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(pipe)
	for range 2 {
		if _, err := r.ReadBytes('\n'); err != nil {
			t.Fatal(err)
		}
	}
	pipe.Close() // the SSH connection drops

	follow := agentAsync(t, "journal", "--state-dir", p.StateDir, "--run", p.RunID, "--after", "2", "--follow", "--timeout", "30s")
	open()
	if code := wait(t, cmd); code != cli.ExitOK {
		t.Fatalf("agent exit %d after losing stdout", code)
	}
	journal := readJournal(t, p.StateDir, p.RunID)
	evs := decode(t, journal)
	checkRun(t, evs)
	if len(evs) != 9 {
		t.Errorf("journal has %d events, want 9:\n%s", len(evs), types(evs))
	}
	rest := strings.SplitAfterN(journal, "\n", 3)[2]
	if o := agent(t, "", "journal", "--state-dir", p.StateDir, "--run", p.RunID, "--after", "2"); o.code != 0 || o.stdout != rest {
		t.Errorf("journal --after 2: exit %d\n%s\nwant\n%s", o.code, o.stdout, rest)
	}
	if o := <-follow; o.code != 0 || o.stdout != rest {
		t.Errorf("journal --follow: exit %d stderr %s\n%s\nwant\n%s", o.code, o.stderr, o.stdout, rest)
	}
}

// agentAsync runs the agent in the background.
func agentAsync(t *testing.T, args ...string) <-chan outcome {
	out := make(chan outcome, 1)
	go func() { out <- agent(t, "", args...) }()
	return out
}

func TestConcurrentRunsSerialise(t *testing.T) {
	root, open := gatedRoot(t)
	stateDir := t.TempDir()
	mk := func(id string, wait time.Duration) string {
		p := newPlan(t, id, "facts")
		p.StateDir, p.LockWait = stateDir, plan.Duration(wait)
		return planJSON(t, p)
	}
	// A takes the lock and blocks in its facts step.
	cmdA, _ := start(t, mk("run-a", 0), nil, "run", "--root", root)
	pipe, _ := cmdA.StdoutPipe()
	if err := cmdA.Start(); err != nil {
		t.Fatal(err)
	}
	outA := bufio.NewReader(pipe)
	waitFor(t, outA, func(e event.Event) bool { return e.Type == event.TypeStepStarted })

	// B cannot wait long enough.
	b := agent(t, mk("run-b", 300*time.Millisecond), "run", "--root", fixtureRoot(t))
	if b.code != cli.ExitTimeout || !strings.Contains(b.stderr, "run run-a") {
		t.Errorf("B: exit %d, stderr %s; want %d naming run-a", b.code, b.stderr, cli.ExitTimeout)
	}
	evsB := decode(t, b.stdout)
	checkRun(t, evsB)
	if evsB[1].Type != event.TypeLockWaiting || !strings.Contains(evsB[2].Message, "held by run run-a") {
		t.Errorf("B events:\n%s", types(evsB))
	}

	// C waits long enough: it runs after A, never alongside it.
	cmdC, _ := start(t, mk("run-c", 30*time.Second), nil, "run", "--root", fixtureRoot(t))
	pipeC, _ := cmdC.StdoutPipe()
	if err := cmdC.Start(); err != nil {
		t.Fatal(err)
	}
	outC := bufio.NewReader(pipeC)
	waitFor(t, outC, func(e event.Event) bool {
		return e.Type == event.TypeLockWaiting && strings.Contains(e.Message, "run-a")
	})
	open()
	io.Copy(io.Discard, outA) // until each exits
	io.Copy(io.Discard, outC)
	if code := wait(t, cmdA); code != 0 {
		t.Errorf("A exit %d", code)
	}
	if code := wait(t, cmdC); code != 0 {
		t.Errorf("C exit %d", code)
	}
	a, cc := interval(t, stateDir, "run-a"), interval(t, stateDir, "run-c")
	if cc[0].Before(a[1]) {
		t.Errorf("runs overlap: A %v..%v, C %v..%v", a[0], a[1], cc[0], cc[1])
	}
}

// interval is when a run held the host: bootstrap.started to finished.
func interval(t *testing.T, stateDir, runID string) [2]time.Time {
	var iv [2]time.Time
	evs := decode(t, readJournal(t, stateDir, runID))
	checkRun(t, evs)
	for _, e := range evs {
		switch e.Type {
		case event.TypeBootstrapStarted:
			iv[0] = e.Time
		case event.TypeBootstrapFinished:
			iv[1] = e.Time
		}
	}
	if iv[0].IsZero() {
		t.Fatalf("%s never started:\n%s", runID, types(evs))
	}
	return iv
}
