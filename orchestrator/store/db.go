package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the Store on SQLite or PostgreSQL: one implementation over
// database/sql, the differences kept in its dialect.
//
// On SQLite writes share a pool of exactly one connection and reads have
// their own (see openSQLite). On PostgreSQL, which has row locks and no
// single writer, both are one database/sql pool over a pgx pool, which is
// exposed (Pool) so that River's pgx driver can share it.
type DB struct {
	name string // what errors call the store: the path, or the URL without its password
	path string // the SQLite file; empty for PostgreSQL
	d    *dialect
	w    *sql.DB
	r    *sql.DB
	pool *pgxpool.Pool // PostgreSQL only
	// stmts are the writer's prepared batch inserts (stmts.go); SQLite
	// only: pgx keeps its own statement cache.
	stmts stmtCache
}

var _ Store = (*DB)(nil)

// Open opens the store at target and applies pending migrations. target
// is a SQLite file path (the default; see openSQLite), or a PostgreSQL URL
// postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=... (postgresql://
// also), whose migrations are serialised across processes by an advisory
// lock. Errors never show the URL's password.
func Open(ctx context.Context, target string) (*DB, error) {
	if IsPostgres(target) {
		return openPostgres(ctx, target)
	}
	return openSQLite(ctx, target)
}

// IsPostgres reports whether target names a PostgreSQL database rather
// than a SQLite file.
func IsPostgres(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// String names the store for messages: the SQLite path, or the
// PostgreSQL URL with its password masked.
func (s *DB) String() string { return s.name }

// Dialect is "sqlite" or "postgres".
func (s *DB) Dialect() string { return s.d.name }

// Path is the absolute path of the SQLite file; empty on PostgreSQL.
func (s *DB) Path() string { return s.path }

// Writer is the pool to write through: on SQLite the single-connection
// write pool, for River's SQLite driver (jobs and our rows then commit in
// one transaction, and River's writes queue behind ours instead of failing
// with SQLITE_BUSY). On PostgreSQL it is the one pool, as Reader.
func (s *DB) Writer() *sql.DB { return s.w }

// Reader is the read pool: for reads beside the store's own (the queue
// depth from River's table). On SQLite it is read-only.
func (s *DB) Reader() *sql.DB { return s.r }

// Pool is the pgx pool under a PostgreSQL store, for River's riverpgxv5
// driver and transactions that span River and the store (PgxTx); nil on
// SQLite.
func (s *DB) Pool() *pgxpool.Pool { return s.pool }

// InTx runs fn in one write transaction (on SQLite BEGIN IMMEDIATE, and fn
// must use only tx: the writer pool has one connection, which tx holds).
// Wrap tx with SQLTx to hand it to QueueRunsTx or RecordDeliveriesTx.
func (s *DB) InTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// writer is the write pool as a Tx, for the store's own single writes.
func (s *DB) writer() Tx { return sqlConn{q: s.w, d: s.d} }

// Close closes the pools.
func (s *DB) Close() error {
	if s.pool != nil {
		err := s.w.Close() // s.r is the same pool
		s.pool.Close()
		return err
	}
	return errors.Join(s.stmts.close(), s.r.Close(), s.w.Close())
}
