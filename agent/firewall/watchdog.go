package firewall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/agent/atomicfile"
)

// watchdogPoll is how often the watchdog looks whether its change is still
// pending; SIGTERM (from firewall-confirm) makes it look at once. It also
// bounds how late a rollback comes after a suspend: Go's timers stop while
// the machine sleeps, the boot-time deadline does not (clock.go).
const watchdogPoll = 500 * time.Millisecond

// backoff paces the watchdog's rollback attempts: first, doubling up to max.
type backoff struct{ first, max time.Duration }

// rollbackBackoff: a rollback never gives up, but neither hammers a
// kernel or a lock that refuses it. A variable for tests.
var rollbackBackoff = backoff{first: time.Second, max: 30 * time.Second}

// Watchdog is the firewall-watchdog command: the dead-man switch of change
// id. It waits until the change's deadline and then rolls it back, unless
// the change was confirmed (or otherwise ended) before: pending.json gone
// or naming another change. It outlives the agent run that started it (its
// own systemd unit, or its own session; the command ignores SIGHUP and
// SIGPIPE; the agent may be SIGKILLed), a SIGTERM only makes it look
// again, and a rollback that fails is tried again until it succeeds: it
// exits when its change is no longer pending, never while it still is.
//
// It also confirms: a confirm-<id> file, created over a new connection,
// makes it confirm the change as firewall-confirm would, if the deadline
// has not passed. The watchdog is there for the whole window, whatever
// became of the run, so the file needs no program of ours on the new
// connection: an agent start less per apply (15-20 ms of a lab host's
// CPU, hack/bench/README.md).
func Watchdog(ctx context.Context, stateDir, id string, log *slog.Logger) error {
	return watch(ctx, stateDir, id, log, systemClock())
}

// watch is Watchdog on the clock clk.
func watch(ctx context.Context, stateDir, id string, log *slog.Logger, clk clock) error {
	if !ValidID(id) {
		return fmt.Errorf("change id %q is not 32 hex digits", id)
	}
	look := make(chan os.Signal, 1)
	signal.Notify(look, syscall.SIGTERM)
	defer signal.Stop(look)
	dir := txnDir(stateDir)
	log.Info("watchdog started", "id", id, "pid", os.Getpid())
	// A confirm request wakes it at once; without a watch, its poll
	// finds the request (up to watchdogPoll late).
	changed, stop := watchDir(dir, log)
	defer stop()
	for announced := false; ; {
		p, err := readPending(dir)
		wait := watchdogPoll
		switch {
		case err != nil:
			log.Error("reading the pending change; trying again", "err", err)
		case p == nil || p.ID != id:
			log.Info("change no longer pending: nothing to do", "id", id)
			return nil
		default:
			announced = announced || announce(dir, id, log)
			if confirmRequested(ctx, dir, id, clk, log) {
				return nil
			}
			left := clk.left(p)
			if left <= 0 {
				return expire(ctx, dir, p, log)
			}
			wait = min(wait, left)
		}
		select {
		case <-time.After(wait):
		case <-look:
		case <-changed:
		}
	}
}

// confirmRequested confirms change id if its confirm request is there,
// and reports whether the change is confirmed. A request that comes too
// late (or a confirm that fails, e.g. on a lock held too long) leaves the
// change to the loop: rolled back at the deadline, or confirmed on the
// next look.
func confirmRequested(ctx context.Context, dir, id string, clk clock, log *slog.Logger) bool {
	req := confirmRequestPath(dir, id)
	if _, err := os.Stat(req); err != nil {
		return false
	}
	r, _, err := confirm(ctx, dir, id, clk)
	if err != nil {
		log.Warn("confirm request refused", "id", id, "err", err)
		return false
	}
	os.Remove(req)
	log.Info("change confirmed over a new connection", "id", id, "state", r.State, "warnings", r.Warnings)
	return true
}

// announce writes this process's pid where the agent that started it
// (through systemd-run, which does not tell) waits for it; see arm.
func announce(dir, id string, log *slog.Logger) bool {
	err := atomicfile.Write(watchdogPIDFile(dir, id), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	if err != nil {
		log.Error("announcing the watchdog's pid", "err", err)
	}
	return err == nil
}

// expire rolls p back, trying again with a backoff until it is done: the
// lock held too long, a kernel refusing the batch, a full disk for the
// result. Each failed attempt goes to the log (the unit's journal under
// systemd) and the failure to result-<id>.json, for the run that waits.
func expire(ctx context.Context, dir string, p *pending, log *slog.Logger) error {
	reason := fmt.Sprintf("no confirmation within %s", time.Duration(p.ConfirmTimeout))
	log.Warn("deadline passed: rolling back", "id", p.ID, "deadline", p.Deadline)
	pause := rollbackBackoff.first
	for attempt := 1; ; attempt++ {
		r, err := rollBack(ctx, dir, p.ID, reason, log)
		switch {
		case err == nil:
			log.Info("change ended", "id", p.ID, "state", r.State, "reason", r.Reason, "attempts", attempt)
			return nil
		case errors.Is(err, errNotPending):
			log.Info("change no longer pending: nothing to do", "id", p.ID)
			return nil
		}
		log.Error("rollback failed; trying again", "id", p.ID, "attempt", attempt, "retryIn", pause.String(), "err", err)
		time.Sleep(pause)
		pause = min(2*pause, rollbackBackoff.max)
	}
}

// watchdogAlive reports whether the watchdog p names still runs. A pid
// alone proves nothing (pids are reused), nor does a command line (anyone
// may imitate one): it must be the process recorded when it started, the
// same executable, uid and start time (procID). A pending.json of an older
// agent has no record: then its command line and a uid like ours (root,
// which no local user can fake) must do.
func watchdogAlive(p *pending) bool {
	if p.Watchdog != nil {
		return p.Watchdog.PID == p.WatchdogPID && p.Watchdog.same()
	}
	return cmdlineAlive(p.WatchdogPID, p.ID)
}

// stopWatchdog ends the watchdog of a change that is no longer pending:
// SIGTERM makes it look and exit; after wait it is killed (it has nothing
// left to guard). Only the recorded process is signalled, never another
// that got its pid.
func stopWatchdog(p *pending, wait time.Duration) error {
	w := openPidWait(p.WatchdogPID, func() bool { return watchdogAlive(p) })
	defer w.close()
	if !watchdogAlive(p) {
		return nil
	}
	if err := w.signal(syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stopping the watchdog (pid %d): %w", p.WatchdogPID, err)
	}
	if w.exited(wait) || !watchdogAlive(p) {
		return nil
	}
	_ = w.signal(syscall.SIGKILL)
	return fmt.Errorf("the watchdog (pid %d) did not exit within %s; killed", p.WatchdogPID, wait)
}
