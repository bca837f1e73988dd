package firewall

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
)

// settleEarlier deals with a change an earlier run left unconfirmed. While
// its watchdog lives, the change is its business and this run stops. A
// dead watchdog (the agent crashed, the host rebooted) means nobody will
// roll it back: this run does, as the watchdog would have, and goes on.
func (t *txn) settleEarlier(ctx context.Context, env *step.Env) error {
	p, err := readPending(t.dir)
	if err != nil {
		return step.Abort(fmt.Errorf("reading the pending firewall change: %w", err))
	}
	if p == nil {
		return nil
	}
	if watchdogAlive(p) {
		return step.Abort(fmt.Errorf("firewall change %s of run %s is not confirmed yet: its watchdog (pid %d) rolls it back at %s unless it is; run again after that",
			p.ID, p.RunID, p.WatchdogPID, p.Deadline.Format(time.RFC3339)))
	}
	what := fmt.Sprintf("roll back the unconfirmed firewall change %s of run %s (its watchdog is gone)", p.ID, p.RunID)
	return env.Wet(what, func() error {
		reason := fmt.Sprintf("its watchdog (pid %d) was gone (agent crash or reboot); rolled back by run %s", p.WatchdogPID, t.runID)
		r, err := rollBack(ctx, t.dir, p.ID, reason, env.Log)
		if err != nil {
			return step.Abort(fmt.Errorf("rolling back the unconfirmed firewall change %s: %w", p.ID, err))
		}
		if r.State != StateRolledBack { // its confirm died before forgetting it
			env.Log.Info("the earlier firewall change was confirmed", "id", p.ID)
			return nil
		}
		rep := Report{Backend: p.Backend, Variant: p.Variant, SSHPorts: t.rep.SSHPorts}.withChange(p)
		rep.Result = r
		env.Emit(event.TypeFirewallRolledBack, event.StatusInfo,
			fmt.Sprintf("rolled back the unconfirmed firewall change %s of run %s: %s", p.ID, p.RunID, reason), rep)
		return nil
	})
}

// apply makes the change: snapshot, pending.json, watchdog, and only then
// the new rules, all under the lock (taken by the caller, see lock) so
// that neither a confirm nor a rollback can come between. want is the
// owned state the profile renders to, recorded for the confirm.
func (t *txn) apply(ctx context.Context, env *step.Env, want string) (*pending, error) {
	batch, err := t.b.Render(ctx, t.prof)
	if err != nil {
		return nil, fmt.Errorf("rendering the firewall profile (%s): %w; nothing changed", t.b.Name(), err)
	}
	rollback, err := t.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("taking the rollback snapshot (%s): %w; nothing changed", t.b.Name(), err)
	}
	p := &pending{
		ID: newID(), RunID: t.runID, ConfirmTimeout: t.fw.ConfirmTimeout,
		choice: t.c, Variant: t.b.Variant(), Rollback: rollback, Persist: t.fw.Persist, ProfileHash: t.prof.hash(),
		Want: want,
	}
	t.clk.setDeadline(p, time.Duration(t.fw.ConfirmTimeout))
	if err := t.arm(env, p); err != nil {
		return nil, fmt.Errorf("%w; nothing changed", err)
	}
	if err := t.b.Apply(ctx, batch); err != nil {
		return nil, t.undo(ctx, env, p, err)
	}
	return p, nil
}

// arm records p and starts its watchdog. The watchdog only guards a change
// it finds in pending.json, so the record comes first; its identity
// follows.
func (t *txn) arm(env *step.Env, p *pending) error {
	path := filepath.Join(t.dir, pendingFile)
	if err := writeJSON(path, p); err != nil {
		return err
	}
	w, err := t.launch.start(p.ID)
	if err == nil {
		p.WatchdogPID, p.Watchdog, p.WatchdogUnit = w.proc.PID, &w.proc, w.unit
		t.rep.Watchdog = w.String()
		if w.note != "" {
			env.Log.Warn("the rollback watchdog runs without a systemd unit of its own", "id", p.ID, "why", w.note)
		}
		err = writeJSON(path, p)
	}
	if err != nil {
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return err // a started watchdog exits: its change is gone
	}
	return nil
}

// undo restores the snapshot after a failed apply, at once: nothing stays
// half-applied.
func (t *txn) undo(ctx context.Context, env *step.Env, p *pending, applyErr error) error {
	applyErr = fmt.Errorf("applying the firewall profile (%s): %w", t.b.Name(), applyErr)
	r, err := rollBackLocked(ctx, t.dir, p, applyErr.Error(), env.Log)
	rep := t.rep.withChange(p)
	rep.Result = r
	if err != nil {
		env.Emit(event.TypeFirewallRolledBack, event.StatusFailed, r.Reason, rep)
		return step.Abort(fmt.Errorf("%w; rolling back failed too (%v): the watchdog (pid %d) tries again at %s",
			applyErr, err, p.WatchdogPID, p.Deadline.Format(time.RFC3339)))
	}
	_ = stopWatchdog(p, watchdogStopWait)
	env.Emit(event.TypeFirewallRolledBack, event.StatusFailed, r.Reason+"; the previous rules are back", rep)
	return step.Abort(fmt.Errorf("%w; the previous rules are back", applyErr))
}

// await waits for the change's result, written by firewall-confirm or the
// watchdog. Should neither come by the deadline plus the grace period (the
// watchdog was killed), the step rolls back itself.
func (t *txn) await(ctx context.Context, env *step.Env, p *pending) error {
	tick := time.NewTicker(pollResult)
	defer tick.Stop()
	changed, stop := watchDir(t.dir, env.Log)
	defer stop()
	for {
		r, err := readResult(t.dir, p.ID)
		if err != nil {
			env.Log.Warn("reading the change's result; trying again", "id", p.ID, "err", err)
		}
		if r != nil {
			return t.outcome(env, p, r)
		}
		if t.clk.left(p) < -t.grace {
			return t.takeOver(ctx, env, p)
		}
		select {
		case <-ctx.Done():
			return step.Abort(fmt.Errorf("interrupted waiting for the confirmation of firewall change %s; its watchdog rolls it back at %s unless it is confirmed: %w",
				p.ID, p.Deadline.Format(time.RFC3339), ctx.Err()))
		case <-tick.C:
		case <-changed:
		}
	}
}

// watchDir returns a channel that receives when an entry of dir is
// created, written or renamed into it, and the function that ends the
// watch. The result of a change appears there (renamed into place by the
// confirm or the watchdog), and so does a confirm request: await and the
// watchdog wake at once instead of at their next tick, which every apply
// used to wait for. Without a watch (inotify unavailable, out of watches)
// the channel never receives and the tickers alone do the work.
func watchDir(dir string, log *slog.Logger) (<-chan struct{}, func()) {
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(dir); err != nil {
			w.Close()
		}
	}
	if err != nil {
		log.Debug("no watch on the change's directory; polling it", "dir", dir, "err", err)
		return nil, func() {}
	}
	changed := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case _, ok := <-w.Events:
				if !ok {
					return
				}
				select {
				case changed <- struct{}{}:
				default: // a wake-up is pending already
				}
			case <-w.Errors: // an overflow: the ticker catches up
			case <-done:
				return
			}
		}
	}()
	return changed, func() { close(done); w.Close() }
}

func (t *txn) takeOver(ctx context.Context, env *step.Env, p *pending) error {
	reason := fmt.Sprintf("no confirmation within %s, and no verdict from the watchdog (pid %d) %s after the deadline: rolled back by the agent",
		time.Duration(p.ConfirmTimeout), p.WatchdogPID, t.grace)
	env.Log.Error("the watchdog is missing: rolling back", "id", p.ID, "pid", p.WatchdogPID)
	r, err := rollBack(ctx, t.dir, p.ID, reason, env.Log)
	if r == nil {
		return step.Abort(fmt.Errorf("rolling back firewall change %s: %w", p.ID, err))
	}
	return t.outcome(env, p, r)
}

// outcome reports how the change ended. A rollback aborts the run.
func (t *txn) outcome(env *step.Env, p *pending, r *Result) error {
	rep := t.rep.withChange(p)
	rep.Result = r
	switch r.State {
	case StateConfirmed:
		env.Emit(event.TypeFirewallConfirmed, event.StatusOK, fmt.Sprintf("firewall change %s confirmed over a new connection", p.ID), rep)
		return t.persisted(env, p, r, rep)
	case StateRolledBack:
		env.Emit(event.TypeFirewallRolledBack, event.StatusFailed,
			fmt.Sprintf("firewall change %s rolled back at %s: %s", p.ID, r.At.Format(time.RFC3339), r.Reason), rep)
		return step.Abort(&RolledBackError{ID: p.ID, Reason: r.Reason})
	}
	env.Emit(event.TypeFirewallRolledBack, event.StatusFailed,
		fmt.Sprintf("firewall change %s: %s; the unconfirmed rules stay until a rollback succeeds (its watchdog keeps trying; the next run tries too)", p.ID, r.Reason), rep)
	return step.Abort(&RolledBackError{ID: p.ID, Reason: r.Reason, Failed: true})
}

// persisted reports the files a confirmed change was saved to. A failed
// save fails the step but does not abort the run: the rules are in and
// proven; only a reboot would lose them.
func (t *txn) persisted(env *step.Env, p *pending, r *Result, rep Report) error {
	switch {
	case r.PersistError != "":
		env.Emit(event.TypeFirewallPersisted, event.StatusFailed, "saving the confirmed rules for boot failed: "+r.PersistError, rep)
		return fmt.Errorf("firewall change %s is confirmed, but saving it for boot failed: %s", p.ID, r.PersistError)
	case len(r.Persisted) > 0:
		env.Emit(event.TypeFirewallPersisted, event.StatusChanged, fmt.Sprintf("saved the confirmed rules for boot in %d file(s)", len(r.Persisted)), rep)
	}
	return nil
}
