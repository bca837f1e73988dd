package firewall

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// TestAgentKilledWatchdogRollsBack: the real agent applies a profile as
// `ck8s-agent run` does on a host and is SIGKILLed right after
// firewall.applied (the SSH session dies with it); its watchdog still
// puts the rules back at the deadline.
func TestAgentKilledWatchdogRollsBack(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	eachBackend(t, agent, func(t *testing.T, h *host) {
		p := h.plan(false, 2*time.Second, 80, 443)
		in, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(agent, "run")
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		id := awaitApplied(t, out)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if h.state() == "" || len(h.watchdogs()) != 1 {
			t.Fatalf("after the kill: watchdogs %v, state empty: %v", h.watchdogs(), h.state() == "")
		}
		// The session's end (SIGHUP), a broken pipe and a stray SIGTERM
		// do not stop it while its change is pending (once it runs: a
		// signal before its handlers are set would test nothing).
		waitLog(t, watchdogLog(txnDir(h.stateDir), id), "watchdog started")
		for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGPIPE, syscall.SIGTERM} {
			if err := syscall.Kill(h.pending().WatchdogPID, sig); err != nil {
				t.Fatal(err)
			}
		}
		r := waitResult(t, h, id)
		if r.State != StateRolledBack {
			t.Errorf("result %+v", r)
		}
		if s := h.state(); s != "" {
			t.Errorf("the rules stayed after the agent was killed:\n%s", s)
		}
		h.waitNoWatchdog()
		if t.Failed() {
			t.Logf("agent stderr:\n%s", stderr.String())
		}
	})
}

// awaitApplied reads the agent's events up to firewall.applied and
// returns the change id.
func awaitApplied(t *testing.T, r io.Reader) string {
	t.Helper()
	d := event.NewDecoder(r)
	for {
		e, err := d.Next()
		if err != nil {
			t.Fatalf("reading the agent's events before firewall.applied: %v", err)
		}
		t.Logf("event %s %s %s", e.Type, e.Status, e.Message)
		if e.Type == event.TypeFirewallApplied {
			return reportOf(t, e).ID
		}
	}
}

// waitLog waits until the log file says what.
func waitLog(t *testing.T, file, what string) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if b, _ := os.ReadFile(file); strings.Contains(string(b), what) {
			return
		}
	}
	t.Fatalf("%s never says %q", file, what)
}

func waitResult(t *testing.T, h *host, id string) *Result {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if r := h.result(id); r != nil {
			return r
		}
	}
	t.Fatalf("no result for change %s", id)
	return nil
}

func TestWatchdogExitsWhenNothingIsPending(t *testing.T) {
	dir := t.TempDir()
	id := newID()
	log := slog.New(slog.DiscardHandler)
	if err := Watchdog(context.Background(), dir, id, log); err != nil {
		t.Errorf("no pending change: %v", err)
	}
	if err := os.MkdirAll(txnDir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	other := &pending{ID: newID(), Deadline: time.Now().Add(-time.Hour)}
	if err := writeJSON(txnDir(dir)+"/"+pendingFile, other); err != nil {
		t.Fatal(err)
	}
	if err := Watchdog(context.Background(), dir, id, log); err != nil {
		t.Errorf("another change pending: %v", err)
	}
	if p, _ := readPending(txnDir(dir)); p == nil || p.ID != other.ID {
		t.Error("the watchdog touched another change")
	}
	if err := Watchdog(context.Background(), dir, "../x", log); err == nil {
		t.Error("a bad id was accepted")
	}
}
