package firewall

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ck8s/ck8sctl/agent/atomicfile"
	"github.com/ck8s/ck8sctl/agent/lock"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// Files of the transaction under <stateDir>/firewall; see the package
// documentation.
const (
	dirName     = "firewall"
	pendingFile = "pending.json"
	appliedFile = "applied.json"
)

// Result states: how a change ended.
const (
	StateConfirmed      = "confirmed"
	StateRolledBack     = "rolled-back"
	StateRollbackFailed = "rollback-failed" // the unconfirmed rules stay; the next run retries
)

// pending is an applied, unconfirmed change (pending.json): everything the
// detached watchdog needs to undo it with no other input.
type pending struct {
	ID             string        `json:"id"`
	RunID          string        `json:"runId"`
	Deadline       time.Time     `json:"deadline"`
	ConfirmTimeout plan.Duration `json:"confirmTimeout"`
	choice
	Variant     string `json:"variant,omitempty"`
	Rollback    Batch  `json:"rollback"`
	Persist     bool   `json:"persist"`
	ProfileHash string `json:"profileHash"`
	// Want is the owned state the change restores: the expectation the
	// scratch namespace printed, which every later run compares the live
	// rules with. The confirm records it as the baseline without listing
	// the rules again; empty in an older agent's file (then it lists).
	Want        string `json:"want,omitempty"`
	WatchdogPID int    `json:"watchdogPid"`
	// Watchdog tells the watchdog process apart from any other that gets
	// its pid (proc.go); nil in a pending.json of an agent before it.
	Watchdog *procID `json:"watchdog,omitempty"`
	// WatchdogUnit is the systemd unit the watchdog runs as; empty when
	// it runs detached (setsid).
	WatchdogUnit string `json:"watchdogUnit,omitempty"`
	// BootID and BootDeadline are the deadline the watchdog waits for:
	// CLOCK_BOOTTIME in boot BootID (clock.go). Deadline is the same
	// moment in wall time, for messages; alone (an older agent's file) it
	// is the deadline.
	BootID       string        `json:"bootId,omitempty"`
	BootDeadline time.Duration `json:"bootDeadlineNs,omitempty"`
}

// Result is how a change ended (result-<id>.json), written by whoever
// takes the lock first: firewall-confirm, the watchdog, or a later run
// that found the watchdog gone.
type Result struct {
	ID        string   `json:"id"`
	RunID     string   `json:"runId"`
	State     string   `json:"state"`
	Reason    string   `json:"reason,omitempty"`
	Persisted []string `json:"persisted,omitempty"`
	// PersistError: the change is confirmed, saving it for boot failed.
	PersistError string    `json:"persistError,omitempty"`
	Warnings     []string  `json:"warnings,omitempty"`
	At           time.Time `json:"at"`
}

// Applied records the last confirmed change (applied.json): the owned
// state it restored and the profile it came from. A record for people and
// audits: drift is measured against the profile rendered in a scratch
// namespace, so a missing or stale file changes nothing.
type Applied struct {
	ID          string    `json:"id"`
	Backend     string    `json:"backend"`
	State       string    `json:"state"`
	ProfileHash string    `json:"profileHash"`
	At          time.Time `json:"at"`
}

// keepResults is how many result files (and watchdog logs) pruning keeps.
const keepResults = 20

func txnDir(stateDir string) string { return filepath.Join(stateDir, dirName) }

func resultPath(dir, id string) string { return filepath.Join(dir, "result-"+id+".json") }

func watchdogLog(dir, id string) string { return filepath.Join(dir, "watchdog-"+id+".log") }

// watchdogPIDFile is where a watchdog announces its pid (announce).
func watchdogPIDFile(dir, id string) string { return filepath.Join(dir, "watchdog-"+id+".pid") }

// confirmRequestPath is the file a new connection creates to confirm
// change id; the watchdog sees it and confirms (watchdog.go says why).
func confirmRequestPath(dir, id string) string { return filepath.Join(dir, "confirm-"+id) }

// newID returns a random 128-bit change id in hex.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails on Linux (getrandom)
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id looks like a change id (32 hex digits): it
// becomes part of a file name, so nothing else may pass.
func ValidID(id string) bool {
	b, err := hex.DecodeString(id)
	return err == nil && len(b) == 16
}

// lockWait is how long one wait for the lock lasts: as long as an apply,
// a confirm or a rollback may reasonably hold it. A variable for tests.
var lockWait = 2 * time.Minute

// acquire takes <dir>/lock, the lock serialising the step's apply, the
// confirm and the rollback, waiting at most lockWait.
func acquire(ctx context.Context, dir, who string) (*lock.Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("firewall state: %w", err)
	}
	me := lock.Holder{RunID: who, PID: os.Getpid(), Started: time.Now().UTC()}
	return lock.Acquire(ctx, dir, me, lock.Options{Wait: lockWait})
}

// readPending returns pending.json, nil if there is none.
func readPending(dir string) (*pending, error) {
	var p pending
	if err := readJSON(filepath.Join(dir, pendingFile), &p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	return &p, nil
}

// readResult returns result-<id>.json, nil if there is none.
func readResult(dir, id string) (*Result, error) {
	var r Result
	if err := readJSON(resultPath(dir, id), &r); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	return &r, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}

// writeJSON replaces path with v atomically and durably: a reader (the
// watchdog polls pending.json) sees the old or the new file, never half,
// and a crash right after leaves one of them on disk.
func writeJSON(path string, v any) error { return atomicfile.WriteJSON(path, v, 0o600) }

// finish records how the pending change p ended and forgets it. Call it
// holding the lock.
func finish(dir string, p *pending, r *Result) error {
	if err := writeJSON(resultPath(dir, p.ID), r); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, pendingFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the pending change: %w", err)
	}
	prune(dir, keepResults)
	return atomicfile.SyncDir(dir)
}

// rollbackTries and rollbackPause: the rollback is the last line of
// defence, so a failing one (xtables lock busy, a racing kube-proxy) is
// retried at once a few times; the watchdog then keeps trying with a
// backoff until it succeeds (expire).
const rollbackTries = 5

var rollbackPause = time.Second // a variable for tests

// errNotPending is a rollback of a change that is neither pending nor
// recorded: there is nothing to undo.
var errNotPending = errors.New("neither pending nor recorded")

// rollBack undoes the pending change id, unless someone else has ended it
// already, and returns how it ended. Every path that rolls back (the
// watchdog at the deadline, a run that finds the watchdog gone, a step
// whose watchdog never answered) goes through here; log gets every failed
// try.
func rollBack(ctx context.Context, dir, id, reason string, log *slog.Logger) (*Result, error) {
	lk, err := acquire(context.WithoutCancel(ctx), dir, "rollback "+id)
	if err != nil {
		return nil, err
	}
	defer lk.Release()
	r, err := readResult(dir, id)
	if err != nil {
		return nil, err
	}
	if r != nil && r.State != StateRollbackFailed {
		if p, _ := readPending(dir); p != nil && p.ID == id {
			err = finish(dir, p, r) // its ender died before forgetting it
		}
		return r, err
	}
	p, err := readPending(dir)
	if err != nil {
		return nil, err
	}
	if p == nil || p.ID != id {
		return nil, fmt.Errorf("change %s is %w", id, errNotPending)
	}
	return rollBackLocked(ctx, dir, p, reason, log)
}

// rollBackLocked applies p's rollback batch, holding the lock. When every
// try fails, pending.json stays so that the watchdog, or the next run,
// tries again.
func rollBackLocked(ctx context.Context, dir string, p *pending, reason string, log *slog.Logger) (*Result, error) {
	ctx = context.WithoutCancel(ctx) // a rollback must not stop half-way
	r := &Result{ID: p.ID, RunID: p.RunID, State: StateRolledBack, Reason: reason}
	err := applyRollback(ctx, p, log)
	r.At = time.Now().UTC()
	if err != nil {
		r.State, r.Reason = StateRollbackFailed, fmt.Sprintf("%s; rolling back failed: %v", reason, err)
		if werr := writeJSON(resultPath(dir, p.ID), r); werr != nil {
			return r, errors.Join(err, werr)
		}
		return r, err
	}
	return r, finish(dir, p, r)
}

func applyRollback(ctx context.Context, p *pending, log *slog.Logger) error {
	b, err := p.open()
	if err != nil {
		return err
	}
	for try := 1; ; try++ {
		tctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = b.Apply(tctx, p.Rollback)
		cancel()
		if err == nil || try == rollbackTries {
			return err
		}
		log.Warn("rolling back failed; trying again", "id", p.ID, "try", try, "err", err)
		time.Sleep(rollbackPause)
	}
}

// prune removes all but the newest keep result files, watchdog logs and
// confirm requests (one that came after its watchdog had gone stays).
func prune(dir string, keep int) {
	for _, pattern := range []string{"result-*.json", "watchdog-*.log", "watchdog-*.pid", "confirm-*"} {
		names, _ := filepath.Glob(filepath.Join(dir, pattern))
		if len(names) <= keep {
			continue
		}
		mod := make(map[string]time.Time, len(names))
		for _, n := range names {
			if fi, err := os.Stat(n); err == nil {
				mod[n] = fi.ModTime()
			}
		}
		slices.SortFunc(names, func(a, b string) int { return mod[b].Compare(mod[a]) })
		for _, n := range names[keep:] {
			os.Remove(n)
		}
	}
}
