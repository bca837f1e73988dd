package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/ck8s/ck8sctl/internal/crash"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// TestPanicExitsInternalAndRecordsTheRun: a panic, on the command's own
// goroutine or in a host's, or a Go fatal error, is a bug in ck8sctl: the process (this test
// binary re-executed as ck8sctl) exits 5, not the Go runtime's 2 ("bad
// input"), says so with the stack, and the run it had started is recorded
// failed with exit 5 instead of staying "running".
func TestPanicExitsInternalAndRecordsTheRun(t *testing.T) {
	agenttest.Require(t)
	f := newInputFiles(t)
	// 127.0.0.1:1 refuses at once: the host ends unreachable, then its
	// goroutine reaches the "host" panic point.
	pb := f.playbook(t, f.key, f.knownHosts)
	data, _ := os.ReadFile(pb)
	os.WriteFile(pb, bytes.Replace(data, []byte("198.18.254.250"), []byte("127.0.0.1\n    port: 1"), 1), 0o600)
	// "fatal:" and "goroutine:" are the crashes no recover sees (a runtime
	// throw, a panic in an unguarded goroutine): the supervisor reports
	// them and records the run.
	for point, says := range map[string]string{
		"run": crash.Env + "=run", "host": crash.Env + "=host",
		"fatal:run":      "fatal error in internal/sync.fatal",
		"goroutine:host": "panic: " + crash.Env + "=goroutine:host",
	} {
		db := filepath.Join(t.TempDir(), "db")
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		cmd := exec.CommandContext(ctx, os.Args[0], "harden", "-p", pb, "--db", db, "--ssh-config", "none", "--connect-timeout", "1s")
		cmd.Env = append(os.Environ(), asCLIEnv+"=1", crash.Env+"="+point, "SSH_AUTH_SOCK=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ExitInternal {
			t.Fatalf("%s: %v, want exit %d\n%s", point, err, ExitInternal, stderr.String())
		}
		msg := stderr.String()
		for _, want := range []string{"internal error (a bug in ck8sctl; exit 5)", says, "goroutine"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", point, want, msg)
			}
		}
		runs := storedRuns(t, db)
		if len(runs) != 1 || runs[0].Status != string(report.RunFailed) || runs[0].ExitCode != ExitInternal || runs[0].Finished.IsZero() {
			t.Errorf("%s: runs %+v, want one failed run with exit 5", point, runs)
		}
	}
}

func storedRuns(t *testing.T, db string) []store.Run {
	t.Helper()
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}
