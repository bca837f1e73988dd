package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// migrationLock is the key of the session advisory lock held while
// migrating: "ck8smigr" in ASCII, so as not to meet another application's
// key in a shared database.
const migrationLock int64 = 0x636b38736d696772

// openPostgres opens the database at the PostgreSQL URL dsn and applies
// pending migrations under the migration lock, so that replicas starting
// together migrate one after the other.
func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	name, err := redactURL(dsn)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", name, configError(err))
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgxpool's default (4 on a 2-core machine) is too few beside
		// River: its notification listener holds one connection for good,
		// its leader, producer and completer take others, and API reads,
		// event streams and run writes share the rest.
		cfg.MaxConns = max(cfg.MaxConns, minPoolConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("opening store %s: %w", name, err)
	}
	db := stdlib.OpenDBFromPool(pool)
	s := &DB{name: name, d: postgresDialect, w: db, r: db, pool: pool}
	if err := s.WithMigrationLock(ctx, func(ctx context.Context) error { return migrate(ctx, db, s.d) }); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrating store %s: %w", name, err)
	}
	return s, nil
}

// minPoolConns is the smallest pool a serve replica works well with.
const minPoolConns = 16

// WithMigrationLock runs fn holding the migration lock: on PostgreSQL a
// session advisory lock on a connection of its own, which serialises
// migrations across processes (River's migrator takes no lock: run it in
// fn). On SQLite it just calls fn.
func (s *DB) WithMigrationLock(ctx context.Context, fn func(context.Context) error) error {
	if s.pool == nil {
		return fn(ctx)
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	// Taken out of the pool and closed afterwards: ending the session is
	// what releases the lock, whether fn failed or the connection broke.
	conn := c.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	return fn(ctx)
}

// redactURL is dsn as errors may show it: its password masked. A URL that
// does not parse is not shown at all.
func redactURL(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		return "", fmt.Errorf("the PostgreSQL URL does not parse: %w", err)
	}
	return u.Redacted(), nil
}

// configError is pgx's error for a connection string it refuses, without
// the string: pgx masks the password only on a best-effort basis.
func configError(err error) error {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return err
	}
	if inner := pe.Unwrap(); inner != nil {
		return fmt.Errorf("invalid connection settings: %w", inner)
	}
	return errors.New("invalid connection settings")
}
