package cli

import (
	"errors"
	"io/fs"
	"math"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/internal/crash"
	"github.com/ck8s/ck8sctl/internal/procowner"
	"github.com/ck8s/ck8sctl/internal/readfile"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// openDB opens (creating if need be) the --db store a run records into. A
// path that cannot hold a database is the user's input being wrong: it is
// opened before any host is contacted, so nothing ran (exit 2).
func openDB(c *ucli.Context) (*store.DB, error) {
	db, err := store.Open(c.Context, c.String("db"))
	if err != nil {
		return nil, badInputf("flag --db: %v", err)
	}
	// Runs this process records are its supervisor's to finish should
	// it die of a fatal error (process.go).
	crash.Note(noteDB, c.String("db"))
	crash.Note(noteOwner, procowner.Self())
	return db, nil
}

// openExistingDB opens the --db store for a command that only reads it:
// a missing file is refused rather than created empty, so a mistyped path
// says so instead of printing no events.
func openExistingDB(c *ucli.Context) (*store.DB, error) {
	path := c.String("db")
	if store.IsPostgres(path) {
		return openDB(c) // a server, not a file: nothing to create by mistake
	}
	err := readfile.Check(path, math.MaxInt64)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, badInputf("flag --db: no database at %s (a run creates it; pass --db to read another)", path)
	}
	if err != nil {
		return nil, badInputf("flag --db: %v", err)
	}
	return openDB(c)
}
