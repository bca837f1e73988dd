package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// busyTimeout is how long a connection waits for another process's write
// lock (a second ck8sctl on the same file) before giving up with SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// readers bounds the read pool; WAL lets readers run beside the writer.
const readers = 4

// openSQLite opens the database at path, creating it (parent directory
// 0700, file 0600: events name hosts and what was done to them) and
// applying pending migrations.
//
// SQLite allows one writer at a time. Writes therefore share a pool of
// exactly one connection: concurrent callers (parallel hosts appending
// events) queue inside database/sql instead of racing for the file lock and
// failing with SQLITE_BUSY. Their transactions begin IMMEDIATE, so a writer
// in another process is waited for (busy_timeout) at BEGIN rather than
// failing at the first write with a lock upgrade deadlock. Reads use their
// own pool and never wait for the writer.
func openSQLite(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if err := create(abs); err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	s := &DB{name: abs, path: abs, d: sqliteDialect}
	// synchronous=NORMAL is safe in WAL mode (a crash loses at most the last
	// commits, never consistency) and spares an fsync per transaction.
	if s.w, err = sqlitePool(ctx, abs, 1, "_txlock=immediate", "_pragma=synchronous(NORMAL)"); err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if err := enableWAL(ctx, s.w); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if err := migrate(ctx, s.w, s.d); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("migrating store %s: %w", path, err)
	}
	if s.stmts, err = prepareBatchStatements(ctx, s.w); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	// query_only guards against a write slipping onto the read pool, where
	// it would bypass the single-writer queue.
	if s.r, err = sqlitePool(ctx, abs, readers, "_pragma=query_only(1)"); err != nil {
		s.stmts.close()
		s.w.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return s, nil
}

// create makes the directory and an empty file with private modes before
// SQLite sees them: SQLite would create the file with the umask's mode, and
// it gives the -wal and -shm files the mode of the database file.
func create(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// sqlitePool opens a connection pool with the per-connection settings
// every connection needs (pragmas are per connection, so they go in the
// DSN and are applied to each new one).
func sqlitePool(ctx context.Context, path string, conns int, params ...string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	for _, p := range params {
		dsn += "&" + p
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
