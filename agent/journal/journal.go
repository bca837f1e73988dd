// Package journal keeps every event of a run on the host, one NDJSON file
// per run under <stateDir>/journal, so that a dropped SSH connection loses
// nothing: the orchestrator reconnects and reads the rest with
// `ck8s-agent journal --after SEQ`. Lines are appended with one write each
// (O_APPEND), and synced at step boundaries and at the end.
package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Dir is the journal directory inside the state directory.
const Dir = "journal"

// Keep is how many journals survive pruning: enough to reread any recent
// run, few enough that disk use stays bounded.
const Keep = 50

// runIDRE is the alphabet; the length is checked apart, because a bounded
// repeat like {0,127} compiles to 127 copies of the class, which cost every
// agent start (a few per run) about a millisecond of CPU.
var runIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ValidRunID checks that id is safe as a file name: the run id comes from
// the plan, and must not reach outside the journal directory.
func ValidRunID(id string) error {
	if len(id) > 128 || !runIDRE.MatchString(id) {
		return fmt.Errorf("run id %q: want 1-128 of [A-Za-z0-9._-], not starting with . - or _", id)
	}
	return nil
}

// Path returns the journal file of a run.
func Path(stateDir, runID string) string {
	return filepath.Join(stateDir, Dir, runID+".ndjson")
}

// Writer appends to one run's journal.
type Writer struct {
	f *os.File
}

// ErrExists is a journal already there for the run id: a run id names one
// run, and reusing it would give two runs one sequence. Not retryable with
// the same id.
var ErrExists = errors.New("a journal for this run id already exists")

// Create starts the journal of runID, creating the directories it needs.
func Create(stateDir, runID string) (*Writer, error) {
	if err := ValidRunID(runID); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(stateDir, Dir), 0o700); err != nil {
		return nil, fmt.Errorf("creating journal directory: %w", err)
	}
	path := Path(stateDir, runID)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("creating journal %s: %w", path, ErrExists)
	}
	if err != nil {
		return nil, fmt.Errorf("creating journal: %w", err)
	}
	return &Writer{f: f}, nil
}

// Append writes one line (newline included) in a single write, so that a
// reader never sees two lines interleaved and a crash cuts at most the
// last line.
func (w *Writer) Append(line []byte) error {
	if _, err := w.f.Write(line); err != nil {
		return fmt.Errorf("appending to journal: %w", err)
	}
	return nil
}

// Sync flushes the journal to disk.
func (w *Writer) Sync() error {
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("syncing journal: %w", err)
	}
	return nil
}

// Close syncs and closes the journal.
func (w *Writer) Close() error {
	return errors.Join(w.Sync(), w.f.Close())
}
