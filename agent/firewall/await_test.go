package firewall

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestAwaitWakesOnTheResult: the run waiting for its change's result is
// woken by the result file itself (a watch on the directory), not by its
// next look: with its looks an hour apart, it still sees the confirm.
func TestAwaitWakesOnTheResult(t *testing.T) {
	defer func(d time.Duration) { pollResult = d }(pollResult)
	pollResult = time.Hour
	tx, env, _ := fakeTxn(t, "")
	p, err := applyLocked(tx, env, "allow tcp [443] ssh [22]\n")
	if err != nil {
		t.Fatal(err)
	}
	waitWatchdog(t, p, true)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- tx.await(ctx, env, p) }()
	// Let await look once and wait: were it slower, the test would prove
	// less, not fail.
	time.Sleep(200 * time.Millisecond)
	if r, err := Confirm(context.Background(), tx.stateDir, p.ID, time.Now); err != nil || r.State != StateConfirmed {
		t.Fatalf("confirm: %+v, %v", r, err)
	}
	if err := <-done; err != nil {
		t.Errorf("await, its looks an hour apart, after the confirm: %v", err)
	}
}

// TestPidWait: the handle waits for its process's exit and signals it;
// without a pidfd it does the same by polling.
func TestPidWait(t *testing.T) {
	for _, pidfd := range []bool{true, false} {
		cmd := exec.Command("sleep", "30")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		alive := func() bool {
			select {
			case <-exited:
				return false
			default:
				return true
			}
		}
		w := openPidWait(cmd.Process.Pid, alive)
		if w.fd < 0 {
			t.Fatalf("no pidfd for pid %d", cmd.Process.Pid)
		}
		if !pidfd {
			w.close()
			w.fd = -1
		}
		if w.exited(50 * time.Millisecond) {
			t.Errorf("pidfd %v: a running process taken for exited", pidfd)
		}
		if err := w.signal(syscall.SIGTERM); err != nil {
			t.Errorf("pidfd %v: signal: %v", pidfd, err)
		}
		if !w.exited(30 * time.Second) {
			t.Errorf("pidfd %v: the process did not exit after SIGTERM", pidfd)
		}
		<-exited
		w.close()
	}
}
