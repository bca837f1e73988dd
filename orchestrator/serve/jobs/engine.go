package jobs

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"riverqueue.com/riverui"
	"riverqueue.com/riverui/uiendpoints"

	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// engine is a Client over River's client for one driver: TTx is the
// driver's transaction, begin opens one together with its store.Tx view.
// stmtCtx, if set, is the context a transaction's statements run with.
type engine[TTx any] struct {
	*river.Client[TTx]
	begin   func(ctx context.Context) (TTx, store.Tx, *txEnd, error)
	stmtCtx func(context.Context) context.Context
}

// txEnd ends a transaction begun by engine.begin.
type txEnd struct {
	commit   func(context.Context) error
	rollback func(context.Context) error
}

// InTx implements Client.
func (e *engine[TTx]) InTx(ctx context.Context, fn func(context.Context, store.Tx, InsertFunc) error) error {
	tx, stx, end, err := e.begin(ctx)
	if err != nil {
		return err
	}
	defer end.rollback(context.WithoutCancel(ctx)) // no-op after commit
	if e.stmtCtx != nil {
		ctx = e.stmtCtx(ctx)
	}
	insert := func(jobs []river.InsertManyParams) (int, error) {
		if len(jobs) == 0 {
			return 0, nil
		}
		return e.InsertManyFastTx(ctx, tx, jobs)
	}
	if err := fn(ctx, stx, insert); err != nil {
		return err
	}
	return end.commit(ctx)
}

// UIEndpoints implements Client.
func (e *engine[TTx]) UIEndpoints() uiendpoints.Bundle { return riverui.NewEndpoints(e.Client, nil) }

// newSQLiteClient is River on the store's single-connection SQLite
// writer pool: River's writes and ours queue in one place instead of
// failing with SQLITE_BUSY, and a job commits in the transaction of the
// rows that go with it. Its driver inserts a batch row by row
// (sqliteDriver says why).
//
// A transaction's statements run with a context that is never done: the
// pure-Go driver starts a goroutine per statement to watch a context that
// can be, and a webhook burst's group commit runs three statements per
// delivery on the one writer every 202 waits for. ctx still bounds the
// transaction: it bounds BEGIN, which is where a writer waits (for the
// connection, and busy_timeout), and once ctx is done database/sql rolls
// the transaction back as soon as the statement running then returns,
// so the commit fails (TestSQLiteTxEndsWithItsContext). Once begun, a
// SQLite transaction holds the only write lock and waits on nothing.
func newSQLiteClient(db *store.DB, cfg *river.Config) (Client, error) {
	d, err := newSQLiteDriver(db.Writer())
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient[*sql.Tx](d, cfg)
	if err != nil {
		return nil, err
	}
	return &engine[*sql.Tx]{Client: c, stmtCtx: context.WithoutCancel, begin: func(ctx context.Context) (*sql.Tx, store.Tx, *txEnd, error) {
		tx, err := db.Writer().BeginTx(ctx, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		return tx, db.SQLTx(tx), &txEnd{
			commit:   func(context.Context) error { return tx.Commit() },
			rollback: func(context.Context) error { return tx.Rollback() },
		}, nil
	}}, nil
}

// newPostgresClient is River on the store's pgx pool: LISTEN/NOTIFY wakes
// the replicas, leader election picks the one that inserts periodic
// jobs, and a job commits in the pgx transaction of its rows.
func newPostgresClient(db *store.DB, cfg *river.Config) (Client, error) {
	c, err := river.NewClient(riverpgxv5.New(db.Pool()), cfg)
	if err != nil {
		return nil, err
	}
	return &engine[pgx.Tx]{Client: c, begin: func(ctx context.Context) (pgx.Tx, store.Tx, *txEnd, error) {
		tx, err := db.Pool().Begin(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		return tx, store.PgxTx(tx), &txEnd{commit: tx.Commit, rollback: tx.Rollback}, nil
	}}, nil
}

func migrateSQLite(ctx context.Context, db *store.DB) error {
	m, err := rivermigrate.New(riversqlite.New(db.Writer()), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

func migratePostgres(ctx context.Context, db *store.DB) error {
	m, err := rivermigrate.New(riverpgxv5.New(db.Pool()), nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}
