package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRecordSurvivesExec: a recorded process stays ours after it execs
// into a program whose command line no longer shows the marker (as each
// exec of ip → unshare → sh → sshd briefly does), and a record naming a
// pid with another start time (a reused pid) names nothing. Before the
// start time was recorded, the first case read as "not running", and Up
// started a second sshd that failed to bind behind the first.
func TestRecordSurvivesExec(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker-arg")
	p := proc{name: "sleeper", pidFile: filepath.Join(dir, "sleeper.pid"), marker: marker}
	pid, exited, err := p.start([]string{"sh", "-c", `exec sleep 60`, marker}, filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.stop() })
	waitCmdline(t, pid, "sleep\x0060\x00")
	if isOurs(pid, marker) {
		t.Fatal("test premise: the marker is still in the command line after exec")
	}
	if got := p.pid(); got != pid {
		t.Fatalf("pid() after exec = %d, want %d", got, pid)
	}

	b, err := os.ReadFile(p.pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var rp, start uint64
	if _, err := fmt.Sscanf(string(b), "%d %d", &rp, &start); err != nil {
		t.Fatalf("pid file %q: %v", b, err)
	}
	if err := os.WriteFile(p.pidFile, fmt.Appendf(nil, "%d %d\n", rp, start+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := p.pid(); got != 0 {
		t.Fatalf("pid() with another start time = %d, want 0 (a reused pid)", got)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if !running(pid) {
		t.Fatal("stop signalled a process whose start time differs from the record")
	}
	if err := os.WriteFile(p.pidFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("stop with the right record left the process running")
	}
}

func waitCmdline(t *testing.T, pid int, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); string(b) == want {
			return
		}
	}
	t.Fatalf("pid %d never ran %q", pid, want)
}
