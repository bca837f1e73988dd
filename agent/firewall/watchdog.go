package firewall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// watchdogPoll is how often the watchdog looks whether its change is still
// pending; SIGTERM (from firewall-confirm) makes it look at once.
const watchdogPoll = 500 * time.Millisecond

// Watchdog is the firewall-watchdog command: the dead-man switch of change
// id. It waits until the change's deadline and then rolls it back, unless
// the change was confirmed (or otherwise ended) before: pending.json gone
// or naming another change. It outlives the agent run that started it (own
// session; the command ignores SIGHUP and SIGPIPE; the agent may be
// SIGKILLed), and a SIGTERM only makes it look again: it exits when its
// change is no longer pending, never while it still is.
func Watchdog(ctx context.Context, stateDir, id string, log *slog.Logger) error {
	if !ValidID(id) {
		return fmt.Errorf("change id %q is not 32 hex digits", id)
	}
	look := make(chan os.Signal, 1)
	signal.Notify(look, syscall.SIGTERM)
	defer signal.Stop(look)
	dir := txnDir(stateDir)
	log.Info("watchdog started", "id", id)
	for {
		p, err := readPending(dir)
		wait := watchdogPoll
		switch {
		case err != nil:
			log.Error("reading the pending change; trying again", "err", err)
		case p == nil || p.ID != id:
			log.Info("change no longer pending: nothing to do", "id", id)
			return nil
		case !time.Now().Before(p.Deadline):
			return expire(ctx, dir, p, log)
		default:
			wait = min(wait, time.Until(p.Deadline))
		}
		select {
		case <-time.After(wait):
		case <-look:
		}
	}
}

func expire(ctx context.Context, dir string, p *pending, log *slog.Logger) error {
	reason := fmt.Sprintf("no confirmation within %s", time.Duration(p.ConfirmTimeout))
	log.Warn("deadline passed: rolling back", "id", p.ID, "deadline", p.Deadline)
	r, err := rollBack(ctx, dir, p.ID, reason)
	if err != nil {
		log.Error("rollback failed", "id", p.ID, "err", err)
		return err
	}
	log.Info("change ended", "id", p.ID, "state", r.State, "reason", r.Reason)
	return nil
}

// startWatchdog starts `self firewall-watchdog` for change id, detached:
// its own session (no SIGHUP when the SSH session ends), stdin /dev/null
// and output to a log file, so no pipe ties it to the agent's connection
// (sshd would wait for the pipe and the session would never close).
func startWatchdog(self, stateDir, id string) (int, error) {
	logf, err := os.OpenFile(watchdogLog(txnDir(stateDir), id), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("starting the rollback watchdog: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(self, "firewall-watchdog", "--state-dir", stateDir, "--id", id)
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting the rollback watchdog: %w", err)
	}
	// Reap it if it ends while this process lives, so that it does not
	// linger as a zombie; if this process dies first, init adopts it.
	go cmd.Wait()
	return cmd.Process.Pid, nil
}

// watchdogAlive reports whether pid is the watchdog of change id: pids are
// reused, so the command line must say so. A zombie has none: dead.
func watchdogAlive(pid int, id string) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0})
	cmd, idArg := false, false
	for _, a := range args {
		cmd = cmd || string(a) == "firewall-watchdog"
		idArg = idArg || string(a) == id
	}
	return cmd && idArg
}

// stopWatchdog ends the watchdog of a change that is no longer pending:
// SIGTERM makes it look and exit; after wait it is killed (it has nothing
// left to guard).
func stopWatchdog(pid int, id string, wait time.Duration) error {
	if !watchdogAlive(pid, id) {
		return nil
	}
	if err := unix.Kill(pid, unix.SIGTERM); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("stopping the watchdog (pid %d): %w", pid, err)
	}
	for end := time.Now().Add(wait); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if !watchdogAlive(pid, id) {
			return nil
		}
	}
	if watchdogAlive(pid, id) {
		_ = unix.Kill(pid, unix.SIGKILL)
		return fmt.Errorf("the watchdog (pid %d) did not exit within %s; killed", pid, wait)
	}
	return nil
}
