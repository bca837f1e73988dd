package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Client is River's client over the store's database.
type Client = river.Client[*sql.Tx]

// ClientConfig are the daemon's choices for River.
type ClientConfig struct {
	// Workers bounds the runs worked at once (hosts within a run are
	// bounded by forks; two runs never work one host at once: the host
	// lock).
	Workers int
	// MaxTimeout is the longest job timeout any run can have: River's
	// stuck-job rescue must wait longer than that, or it would start a
	// second attempt beside a live one.
	MaxTimeout time.Duration
	// Periodic are the schedules' jobs (package schedule).
	Periodic []*river.PeriodicJob
	// Register adds the daemon's other workers (the heartbeat).
	Register func(*river.Workers) error
	Log      *slog.Logger
}

// Poll is how often an idle River client looks for new jobs. SQLite has
// no LISTEN/NOTIFY: a job inserted by this process is announced in
// process at once; this bounds the wait for one inserted elsewhere.
const Poll = 500 * time.Millisecond

// NewClient builds River's client on db, the store's single-connection
// writer pool (store.DB.Writer): River's writes and ours then queue
// in one place instead of failing with SQLITE_BUSY, and a job commits in
// the transaction of the rows that go with it.
func NewClient(db *sql.DB, env *Env, cfg ClientConfig) (*Client, error) {
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &Worker{Env: env}); err != nil {
		return nil, err
	}
	if cfg.Register != nil {
		if err := cfg.Register(workers); err != nil {
			return nil, err
		}
	}
	host, _ := os.Hostname()
	return river.NewClient(riversqlite.New(db), &river.Config{
		ID:                   fmt.Sprintf("%s-%d", host, os.Getpid()),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(cfg.Workers, 1)}},
		Workers:              workers,
		MaxAttempts:          MaxAttempts,
		RescueStuckJobsAfter: cfg.MaxTimeout + rescueMargin,
		FetchPollInterval:    Poll,
		PeriodicJobs:         cfg.Periodic,
		Logger:               cfg.Log,
	})
}

// rescueMargin is how long after its timeout a job whose worker vanished
// is rescued.
const rescueMargin = 5 * time.Minute

// Migrate brings River's tables up to date (its own versions, in
// river_migration, beside goose's). One serve owns a SQLite file, so no
// lock is needed here; PostgreSQL replicas take an advisory lock first.
func Migrate(ctx context.Context, db *sql.DB) error {
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}
