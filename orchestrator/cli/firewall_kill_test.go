package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestHardenKilled kills ck8sctl with SIGKILL right after the agent applied
// the new rules: nobody will ever confirm, and the detached watchdog on the
// host restores the old rules by itself; the agent finishes its run in the
// journal; nothing of ours keeps running there.
//
// ck8sctl is stopped (SIGSTOP, its whole process group: the supervisor and
// its child) as soon as the pending file appears, and killed once the rules
// are in: a sleep instead raced the confirm, which follows the apply within
// milliseconds.
func TestHardenKilled(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	pb := firewallPlaybook(t, l, "  backend: iptables\n  confirmTimeout: 3s\n", h)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "harden", "-p", pb, "--db", filepath.Join(t.TempDir(), "ck8s.db"))
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	group := -cmd.Process.Pid
	// Once: a kill after the group was reaped could reach a new group
	// that got its id; the deferred call only ends a test that failed
	// before the kill, leaving no stopped ck8sctl behind.
	killGroup := sync.OnceValue(func() error { return syscall.Kill(group, syscall.SIGKILL) })
	defer killGroup()
	if !waitFile(ctx, pendingFile(l, h)) {
		t.Fatal("the agent never started a firewall change")
	}
	if err := syscall.Kill(group, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	for ctx.Err() == nil && !strings.Contains(owned(t, l, h), "CK8S") {
		time.Sleep(20 * time.Millisecond)
	}
	if ctx.Err() != nil {
		t.Fatal("the agent never applied the new rules")
	}
	if err := killGroup(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	results := filepath.Join(l.StateDir(h), "firewall", "result-*.json")
	var got string
	for ctx.Err() == nil {
		if m, _ := filepath.Glob(results); len(m) > 0 {
			b, _ := os.ReadFile(m[0])
			if got = string(b); got != "" {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(got, "rolled") {
		t.Fatalf("change result = %q, want a rollback", got)
	}
	requireReach(t, h, []int{22}, true)
	if o := owned(t, l, h); strings.TrimSpace(o) != "" {
		t.Errorf("rules left after the rollback:\n%s", o)
	}
	// The agent notices the rollback within its poll interval, then exits.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && (watchdogs(t, l, h) != "" || agents(t, l, h) != "") {
		time.Sleep(100 * time.Millisecond)
	}
	if w, a := watchdogs(t, l, h), agents(t, l, h); w != "" || a != "" {
		t.Errorf("still running on the host: watchdog %q, agent %q", w, a)
	}
}
