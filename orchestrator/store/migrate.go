package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// The schema lives in versioned SQL files, one directory per dialect with
// the same versions, tables and indexes.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// migrate applies pending migrations. It refuses a database migrated by a
// newer ck8sctl: this binary would not know what it may write there.
//
// On PostgreSQL the caller holds the migration lock. SQLite has none, so
// two processes opening the same new database can both try to apply a
// migration; the loser fails ("table already exists"). If the schema
// version moved while we failed, that is what happened, and we retry from
// the new version.
func migrate(ctx context.Context, db *sql.DB, d *dialect) error {
	p, err := provider(db, d)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		// Checked before Up: a newer database may hold versions this binary
		// lacks, which Up would report as a confusing "missing migrations".
		before, err := p.GetDBVersion(ctx)
		if err != nil {
			return err
		}
		if known := latest(p); before > known {
			return fmt.Errorf("database schema version %d is newer than this ck8sctl knows (%d): upgrade ck8sctl", before, known)
		}
		_, upErr := p.Up(ctx)
		if upErr == nil {
			return nil
		}
		after, err := p.GetDBVersion(ctx)
		if err != nil || after == before || attempt == maxMigrateAttempts {
			return upErr
		}
	}
}

// maxMigrateAttempts bounds the retries; each migration can be lost to a
// concurrent process at most once.
const maxMigrateAttempts = 10

func provider(db *sql.DB, d *dialect) (*goose.Provider, error) {
	dir, err := fs.Sub(migrations, "migrations/"+d.name)
	if err != nil {
		return nil, err
	}
	// The global registry holds Go migrations registered by init functions
	// anywhere in the binary; ours are SQL only.
	return goose.NewProvider(d.goose, db, dir, goose.WithDisableGlobalRegistry(true))
}

func latest(p *goose.Provider) int64 {
	var v int64
	for _, s := range p.ListSources() {
		v = max(v, s.Version)
	}
	return v
}
