package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"riverqueue.com/riverui/uiendpoints"

	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Client is River's client over the store's database, whichever it is:
// SQLite through riversqlite (database/sql), PostgreSQL through
// riverpgxv5 (the store's pgx pool). River's client type depends on its
// driver's transaction type; the daemon needs only this.
type Client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	// InTx runs fn in one transaction of the store's database; insert
	// puts jobs in that transaction, so the rows that go with them commit
	// with them or not at all. fn runs its statements with the context
	// it is given: ctx, or with SQLite one that ctx ends only between
	// statements (newSQLiteClient says why).
	InTx(ctx context.Context, fn func(ctx context.Context, tx store.Tx, insert InsertFunc) error) error
	// UIEndpoints are riverui's API over this client.
	UIEndpoints() uiendpoints.Bundle
}

// InsertFunc inserts jobs in the transaction of Client.InTx and returns
// how many it inserted. It does not return the jobs: River's insert
// without RETURNING (InsertManyFastTx) costs the single SQLite writer
// less per job (hack/bench/README.md, webhook ingest), so a run learns
// its job ID when a worker takes the job (store.QueueRun), not at
// enqueue.
type InsertFunc func([]river.InsertManyParams) (int, error)

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

// RescueMargin is how long after its timeout a job whose worker vanished
// (a replica killed, a node lost) is rescued by another client: its
// attempt is over by then, whatever the dead worker was doing.
const RescueMargin = time.Minute

// NewClient builds River's client on the store's database.
func NewClient(db *store.DB, env *Env, cfg ClientConfig) (Client, error) {
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &Worker{Env: env}); err != nil {
		return nil, err
	}
	if cfg.Register != nil {
		if err := cfg.Register(workers); err != nil {
			return nil, err
		}
	}
	rc := &river.Config{
		ID:                   ClientID(),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(cfg.Workers, 1)}},
		Workers:              workers,
		MaxAttempts:          MaxAttempts,
		RescueStuckJobsAfter: cfg.MaxTimeout + RescueMargin,
		FetchPollInterval:    Poll,
		PeriodicJobs:         cfg.Periodic,
		Logger:               cfg.Log,
	}
	if db.Pool() != nil {
		return newPostgresClient(db, rc)
	}
	return newSQLiteClient(db, rc)
}

// ClientID names this process among replicas: host name and pid.
func ClientID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// Migrate brings River's tables up to date (its own versions, in
// river_migration, beside goose's), under the store's migration lock:
// River's migrator takes none, and replicas start at once.
func Migrate(ctx context.Context, db *store.DB) error {
	err := db.WithMigrationLock(ctx, func(ctx context.Context) error {
		if db.Pool() != nil {
			return migratePostgres(ctx, db)
		}
		return migrateSQLite(ctx, db)
	})
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}
