// Package lock is the host lock: one agent run at a time per state
// directory, so two runs never interleave their changes. It is an
// flock(2) on <stateDir>/lock, released by the kernel when the holder
// exits however it exits, so a crashed run never leaves a stale lock. The
// file records who holds it, so a waiting run can name the holder.
package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// File is the lock's name inside the state directory.
const File = "lock"

// Holder is what the lock file records about the run holding it.
type Holder struct {
	RunID   string    `json:"runId"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
}

func (h Holder) String() string {
	if h.RunID == "" {
		return "an unknown run"
	}
	return fmt.Sprintf("run %s (pid %d, since %s)", h.RunID, h.PID, h.Started.Format(time.RFC3339))
}

// TimeoutError is a lock another run held for longer than we could wait.
// Retry later: the holder is alive (the kernel drops the lock of a dead
// process).
type TimeoutError struct {
	Path   string
	Holder Holder
	Waited time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("host lock %s is held by %s; gave up after waiting %s", e.Path, e.Holder, e.Waited)
}

// Lock is a held host lock.
type Lock struct{ f *os.File }

// Options tune Acquire.
type Options struct {
	// Wait bounds how long to wait for another holder; zero tries once.
	Wait time.Duration
	// Poll is how often to retry while waiting; default 100ms.
	Poll time.Duration
	// OnWait is called once, with the current holder, when the lock is busy.
	OnWait func(Holder)
}

// Acquire takes the lock in stateDir for me, waiting as opts say. The
// error is a *TimeoutError when another run kept it, ctx.Err() when ctx
// ended first.
func Acquire(ctx context.Context, stateDir string, me Holder, opts Options) (*Lock, error) {
	path := filepath.Join(stateDir, File)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening host lock: %w", err)
	}
	if err := wait(ctx, f, path, opts); err != nil {
		f.Close()
		return nil, err
	}
	l := &Lock{f: f}
	if err := l.record(me); err != nil {
		l.Release()
		return nil, err
	}
	return l, nil
}

func wait(ctx context.Context, f *os.File, path string, opts Options) error {
	poll := opts.Poll
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	start := time.Now()
	deadline := time.NewTimer(opts.Wait)
	defer deadline.Stop()
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	for announced := false; ; {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return fmt.Errorf("locking %s: %w", path, err)
		}
		if !announced && opts.OnWait != nil {
			opts.OnWait(ReadHolder(path))
			announced = true
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for host lock %s: %w", path, ctx.Err())
		case <-deadline.C:
			return &TimeoutError{Path: path, Holder: ReadHolder(path), Waited: time.Since(start).Round(time.Millisecond)}
		case <-ticker.C:
		}
	}
}

// record writes the holder into the lock file; only a holder writes it.
// No fsync: the record is read by waiting processes through the page
// cache while the lock is held, and after a crash the kernel has dropped
// the lock, so a record lost with the page cache is never one anybody
// reads. An fsync here cost every run (the host lock, the firewall lock)
// a journal commit for nothing.
func (l *Lock) record(me Holder) error {
	b, err := json.Marshal(me)
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("recording lock holder: %w", err)
	}
	if _, err := l.f.WriteAt(append(b, '\n'), 0); err != nil {
		return fmt.Errorf("recording lock holder: %w", err)
	}
	return nil
}

// Release drops the lock. The holder record stays; it is only read while
// the lock is held, so a stale record is never reported.
func (l *Lock) Release() error {
	uerr := unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	cerr := l.f.Close()
	return errors.Join(uerr, cerr)
}

// ReadHolder returns who the lock file says holds the lock; the zero
// Holder if it cannot tell (a holder that is still writing the file).
func ReadHolder(path string) Holder {
	var h Holder
	b, err := os.ReadFile(path)
	if err == nil {
		_ = json.Unmarshal(b, &h)
	}
	return h
}
