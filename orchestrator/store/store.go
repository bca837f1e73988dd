// Package store records runs and their flow_events: every event an agent
// reports, and every run the orchestrator starts, kept for `ck8sctl events`,
// reports and (later) the serve daemon's API and status page.
//
// SQLite (pure Go, so binaries stay static) is the embedded default.
// PostgreSQL follows so that several serve replicas can share one database;
// callers therefore code against the Store interface, never *SQLite.
//
// The store writes what it is given: secrets are masked by the caller (one
// redactor for logs, events and stored rows), never here.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// Run is one invocation of a command (bootstrap, harden, sweep...) across
// the hosts of a playbook.
type Run struct {
	ID       string
	Command  string
	Playbook string
	Started  time.Time
	Finished time.Time // zero while the run is in progress
	Status   string    // "running" until FinishRun
	ExitCode int       // meaningful once Finished is set
	Hosts    int
	Check    bool // --check: nothing was changed
}

// StatusRunning is the status CreateRun records when the caller gives none.
const StatusRunning = "running"

// Filter selects events. Zero fields do not filter. Since is inclusive.
// Limit > 0 returns the first Limit events in order, so Since plus Limit
// pages forward through a long run.
type Filter struct {
	RunID string
	Host  string
	Type  string
	Since time.Time
	Limit int
}

// Store is what the orchestrator needs from a database.
type Store interface {
	CreateRun(ctx context.Context, r Run) error
	FinishRun(ctx context.Context, id string, status string, exitCode int, finished time.Time) error
	// AppendEvents stores evs in one transaction. It is idempotent per
	// (run_id, host, seq): events re-fetched after a reconnect are ignored,
	// so a caller may always resend from LastSeq without losing or
	// duplicating anything.
	AppendEvents(ctx context.Context, evs ...event.Event) error
	// LastSeq returns the highest stored seq for the host in the run, or 0.
	LastSeq(ctx context.Context, runID, host string) (int64, error)
	// Events returns events ordered by time, run, host and seq.
	Events(ctx context.Context, f Filter) ([]event.Event, error)
	// Runs returns the newest runs first; limit <= 0 means all.
	Runs(ctx context.Context, limit int) ([]Run, error)
	Close() error
}

// ErrNotFound is returned by FinishRun for an unknown run. Not retryable:
// the run was never created.
var ErrNotFound = errors.New("not found")

// DefaultPath is where the CLI keeps its database when not told otherwise:
// $XDG_STATE_HOME/ck8s/ck8s.db, or ~/.local/state/ck8s/ck8s.db. History is
// state (it matters across runs but is not configuration), hence XDG state.
func DefaultPath() (string, error) {
	base := os.Getenv("XDG_STATE_HOME")
	// The XDG spec says relative values are invalid and must be ignored.
	if base == "" || !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the default store path: %w", err)
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "ck8s", "ck8s.db"), nil
}
