//go:build unix

package crash

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary plays both parts: as the supervisor (roleEnv
// "supervisor") it supervises itself, and as the child it does what
// modeEnv says.
const (
	roleEnv    = "CRASH_TEST_ROLE"
	modeEnv    = "CRASH_TEST_MODE"
	pidEnv     = "CRASH_TEST_PIDFILE"
	outcomeEnv = "CRASH_TEST_OUTCOME"
)

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "supervisor":
		os.Setenv(roleEnv, "child")
		out, err := Supervise(os.Args)
		if err != nil {
			os.Exit(98)
		}
		b, _ := json.Marshal(out)
		os.WriteFile(os.Getenv(outcomeEnv), b, 0o600)
		os.Exit(out.Code)
	case "child":
		if !Child() {
			os.Exit(97)
		}
		child(os.Getenv(modeEnv))
	}
	os.Exit(m.Run())
}

// child is a supervised child's behaviour in these tests.
func child(mode string) {
	if _, ok := os.LookupEnv(supervisedEnv); ok {
		os.Exit(96) // Child must remove the marker
	}
	Note("db", "/var/lib/x.db")
	Note("bad", "two\nlines") // dropped: a note is one line
	switch mode {
	case "exit3":
		os.Exit(3)
	case "fatal":
		fatal()
	case "goroutine":
		os.Setenv(Env, "goroutine:here")
		At("here")
	case "wait":
		// Until a SIGTERM, which it turns into exit 42.
		sigs := make(chan os.Signal, 1)
		signalNotify(sigs)
		os.WriteFile(os.Getenv(pidEnv), []byte(strconv.Itoa(os.Getpid())), 0o600)
		<-sigs
		os.Exit(42)
	case "spawn":
		// A grandchild outlives it: the supervisor must not wait for it.
		cmd := exec.Command("sleep", "60")
		if err := cmd.Start(); err != nil {
			os.Exit(95)
		}
		os.WriteFile(os.Getenv(pidEnv), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600)
		os.Exit(0)
	}
	os.Exit(94)
}

func signalNotify(c chan os.Signal) { signal.Notify(c, syscall.SIGTERM) }

// supervise runs the test binary as a supervised child in mode.
func supervise(t *testing.T, mode string) Outcome {
	t.Helper()
	t.Setenv(roleEnv, "child")
	t.Setenv(modeEnv, mode)
	t.Setenv(pidEnv, filepath.Join(t.TempDir(), "pid"))
	out, err := Supervise([]string{os.Args[0]})
	if err != nil {
		t.Fatalf("Supervise: %v", err)
	}
	return out
}

func TestSupervisePassesTheExitCode(t *testing.T) {
	out := supervise(t, "exit3")
	if out.Code != 3 || out.Crashed || out.Signal != nil {
		t.Fatalf("outcome %+v, want exit 3, no crash", out)
	}
	if out.Notes["db"] != "/var/lib/x.db" || len(out.Notes) != 1 {
		t.Errorf("notes %q, want only db", out.Notes)
	}
}

// The crashes no recover sees: a runtime throw and a panic in a
// goroutine. Both exit 2, the code of bad input; only the crash output
// tells them apart.
func TestSuperviseSeesFatalErrors(t *testing.T) {
	for mode, first := range map[string]string{
		"fatal":     "fatal error in internal/sync.fatal",
		"goroutine": "panic: " + Env + "=goroutine:here: deliberate panic for testing",
	} {
		out := supervise(t, mode)
		if !out.Crashed || out.Code != 2 || out.Headline() != first {
			t.Errorf("%s: crashed %v, exit %d, first line %q; want a crash, exit 2, %q\n%s", mode, out.Crashed, out.Code, out.Headline(), first, out.Crash)
		}
		if !strings.Contains(out.Crash, "goroutine ") {
			t.Errorf("%s: crash output without the goroutine trace:\n%s", mode, out.Crash)
		}
		if out.Notes["db"] != "/var/lib/x.db" {
			t.Errorf("%s: notes %q lost in the crash", mode, out.Notes)
		}
	}
}

// Only the child held the pipes (close-on-exec): a process it started
// and left running does not keep the supervisor waiting.
func TestSuperviseDoesNotWaitForGrandchildren(t *testing.T) {
	start := time.Now()
	out := supervise(t, "spawn")
	b, _ := os.ReadFile(os.Getenv(pidEnv))
	if pid, err := strconv.Atoi(string(b)); err == nil {
		syscall.Kill(pid, syscall.SIGKILL)
	} else {
		t.Fatalf("no grandchild pid: %v", err)
	}
	if out.Code != 0 || out.Crashed {
		t.Fatalf("outcome %+v, want exit 0", out)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Supervise returned after %v: it waited for the grandchild", d)
	}
}

// startSupervisor runs the test binary as a supervisor of a child that
// waits, and returns it with the child's pid.
func startSupervisor(t *testing.T) (*exec.Cmd, int, string) {
	t.Helper()
	dir := t.TempDir()
	pidFile, outcome := filepath.Join(dir, "pid"), filepath.Join(dir, "outcome")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"=supervisor", modeEnv+"=wait", pidEnv+"="+pidFile, outcomeEnv+"="+outcome)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(pidFile); err == nil && len(b) > 0 {
			pid, _ := strconv.Atoi(string(b))
			return cmd, pid, outcome
		}
	}
	t.Fatal("the supervised child never started")
	return nil, 0, ""
}

// A SIGTERM for ck8sctl (a service manager's, a `timeout`'s) reaches the
// process doing the work, and its exit code comes back.
func TestSupervisorForwardsSignals(t *testing.T) {
	cmd, _, outcome := startSupervisor(t)
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 42 {
		t.Fatalf("supervisor ended with %v, want the child's exit 42", err)
	}
	var out Outcome
	if b, err := os.ReadFile(outcome); err != nil || json.Unmarshal(b, &out) != nil || out.Code != 42 || out.Crashed {
		t.Errorf("outcome %s (%v), want exit 42", b, err)
	}
}
