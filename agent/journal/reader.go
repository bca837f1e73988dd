package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// Reader copies a run's journaled events, picking up where it left off.
// Lines are copied as written: they were redacted before they were
// journaled.
type Reader struct {
	path string
	off  int64
	line int
	// After: only events with a greater seq are copied.
	After int64
	// Final is set once the run's last event (bootstrap.finished) was read.
	Final bool
	// PID is the agent's process id, from its hello event, 0 until read.
	PID int
	// Bad counts complete lines that are not valid events (skipped).
	Bad int
}

// NewReader returns a Reader of the journal of runID.
func NewReader(stateDir, runID string, after int64) (*Reader, error) {
	if err := ValidRunID(runID); err != nil {
		return nil, err
	}
	return &Reader{path: Path(stateDir, runID), After: after}, nil
}

// ReadNew copies the complete lines appended since the last call to w. A
// line still being written (no newline yet) waits for the next call.
func (r *Reader) ReadNew(w io.Writer) error {
	f, err := os.Open(r.path)
	if err != nil {
		return fmt.Errorf("reading journal: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(r.off, io.SeekStart); err != nil {
		return fmt.Errorf("reading journal: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil {
		return fmt.Errorf("reading journal: %w", err)
	}
	end := bytes.LastIndexByte(b, '\n') + 1
	for _, line := range bytes.SplitAfter(b[:end], []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		r.off += int64(len(line))
		r.line++
		if err := r.copy(line, w); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reader) copy(line []byte, w io.Writer) error {
	e, lerr := event.Parse(bytes.TrimSpace(line))
	if lerr != nil {
		r.Bad++
		return nil
	}
	if e.Type == event.TypeHello {
		var h event.Hello
		if json.Unmarshal(e.Data, &h) == nil {
			r.PID = h.PID
		}
	}
	r.Final = r.Final || e.Final()
	if e.Seq <= r.After {
		return nil
	}
	if _, err := w.Write(line); err != nil {
		return fmt.Errorf("writing journal out: %w", err)
	}
	return nil
}

// ErrDied is a run whose agent is gone without a final event (killed, or
// the host rebooted). Not retryable: the journal will not grow.
var ErrDied = errors.New("agent exited without finishing the run")

// ErrNoJournal is a run whose journal never appeared: its agent died (or
// its session was killed) before it read the whole plan, so nothing will
// ever write one.
var ErrNoJournal = errors.New("no journal: the agent never started the run")

// FollowOptions tune Follow.
type FollowOptions struct {
	Poll time.Duration // default 200ms
	// Alive reports whether a process exists; default signal 0.
	Alive func(pid int) bool
	// MissingGrace bounds the wait for a journal that does not exist yet;
	// default DefaultMissingGrace.
	MissingGrace time.Duration
}

// DefaultMissingGrace is how long Follow waits for a missing journal. The
// agent creates it as soon as it has read the plan, before it waits for
// the host lock, so a live run's journal appears within milliseconds of
// its start; 15 s leaves room for a slow host's start-up. (Waiting for
// the whole --timeout instead hung a run for 10 minutes in the fault
// campaign, after a session kill that beat the journal.)
const DefaultMissingGrace = 15 * time.Second

// Follow copies events to w until the run's final event, ctx ends (the
// error wraps ctx.Err()), or the agent turns out dead (ErrDied). A journal
// that does not exist yet is waited for, the run may not have started,
// but only for MissingGrace (ErrNoJournal).
func (r *Reader) Follow(ctx context.Context, w io.Writer, opts FollowOptions) error {
	if opts.Poll <= 0 {
		opts.Poll = 200 * time.Millisecond
	}
	if opts.Alive == nil {
		opts.Alive = alive
	}
	if opts.MissingGrace <= 0 {
		opts.MissingGrace = DefaultMissingGrace
	}
	giveUp := time.Now().Add(opts.MissingGrace)
	for {
		err := r.ReadNew(w)
		missing := errors.Is(err, os.ErrNotExist)
		if err != nil && !missing {
			return err
		}
		if r.Final {
			return nil
		}
		if missing && time.Now().After(giveUp) {
			return fmt.Errorf("following journal %s: %w (none after %v)", r.path, ErrNoJournal, opts.MissingGrace)
		}
		if r.PID > 0 && !opts.Alive(r.PID) {
			// The agent may have written its last lines just before exiting.
			if err := r.ReadNew(w); err != nil || r.Final {
				return err
			}
			return fmt.Errorf("following journal %s: pid %d: %w", r.path, r.PID, ErrDied)
		}
		select {
		case <-ctx.Done():
			what := "no final event yet"
			if missing {
				what = "no journal yet"
			}
			return fmt.Errorf("following journal %s: %s: %w", r.path, what, ctx.Err())
		case <-time.After(opts.Poll):
		}
	}
}
