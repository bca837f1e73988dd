package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// enableWAL switches the database file to write-ahead logging, so readers
// never block the writer. The mode is stored in the file, so this is done
// once per Open rather than in the DSN of every connection: switching needs
// exclusive access, and SQLite reports SQLITE_BUSY for it at once, without
// honouring busy_timeout, when another process has the new file open. We
// retry for as long as busy_timeout would have waited.
func enableWAL(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		switch {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("journal_mode is %q, not wal (a filesystem without shared memory?)", mode)
		case !isBusy(err) || time.Now().After(deadline):
			return fmt.Errorf("enabling WAL: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
