// Package store records runs and their flow_events: every event an agent
// reports, and every run the orchestrator starts, kept for `ck8sctl events`,
// reports and (later) the serve daemon's API and status page.
//
// SQLite (pure Go, so binaries stay static) is the embedded default;
// PostgreSQL (pgx), selected by a postgres:// URL, lets several serve
// replicas share one database. One type, DB, serves both through
// database/sql; a dialect value holds what differs (placeholders, time
// types, migrations, locks), and the same contract tests run on both.
//
// The store writes what it is given: secrets are masked by the caller (one
// redactor for logs, events and stored rows), never here.
package store

import (
	"context"
	"encoding/json"
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
	// Trigger says what started the run: "cli", "schedule:NAME",
	// "webhook:NAME" or "api:TOKEN-NAME". Empty means cli.
	Trigger string
	Limit   string // the --limit pattern, if any
	JobID   int64  // the serve daemon's River job; 0 for the CLI
	Attempt int    // the job's attempt this run is (1 for the CLI)
	// Owner is the process running it (internal/procowner), so that a
	// run whose process died can be told from one still going.
	Owner string
	// Targets are the hosts the run sets out to contact; CreateRun
	// records them with the run, so that an interrupted run's journals
	// are found on every one of them (Unfinished). Lists leave it nil.
	Targets []string
	// Report is the finished run's report (docs/report.md); only Run
	// returns it, lists leave it nil.
	Report json.RawMessage
}

// Run statuses besides a report's (ok, failed, unreachable, rolled-back).
const (
	// StatusRunning is the status CreateRun records when the caller
	// gives none.
	StatusRunning = "running"
	// StatusQueued is a run serve accepted and has not started yet.
	StatusQueued = "queued"
	// StatusInterrupted is a run whose process died under it: it will
	// never finish by itself.
	StatusInterrupted = "interrupted"
)

// TriggerCLI is the trigger of runs started by the ck8sctl command line.
const TriggerCLI = "cli"

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

	// What the serve daemon reads and writes besides (serve.go).
	QueueRun(ctx context.Context, r Run) error
	Run(ctx context.Context, id string) (Run, error)
	ListRuns(ctx context.Context, f RunFilter) ([]Run, error)
	RecordResult(ctx context.Context, runID string, report json.RawMessage, hosts []HostResult) error
	Hosts(ctx context.Context) ([]HostState, error)
	EventsAfter(ctx context.Context, runID string, afterID int64, limit int) ([]Stored, error)
	InterruptRuns(ctx context.Context, at time.Time) (int, error)
	LastRun(ctx context.Context, trigger string) (Run, error)
	Prune(ctx context.Context, before time.Time, batch int) (int, error)
	Unfinished(ctx context.Context, host string, limit int) ([]Unfinished, error)
	InterruptDead(ctx context.Context, alive func(owner string) bool, at time.Time) (int, error)
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
