package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ck8s/ck8sctl/internal/pgtest"
)

// One PostgreSQL cluster serves the package, started by the first test
// that needs it; every test gets a database of its own.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// backend names a store implementation and makes fresh targets for it.
type backend struct {
	name string
	// target is where a new, empty store lives: a file path or a URL.
	target func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "state", "ck8s.db") }},
	{"postgres", func(t testing.TB) string { return pgtest.Shared(t).NewDatabase(t) }},
}

// each runs fn as a subtest per backend, on a fresh store: the contract
// every backend keeps.
func each(t *testing.T, fn func(t *testing.T, s *DB)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, openAt(t, b.target(t))) })
	}
}

// eachTarget is each for tests that open (and reopen) the store
// themselves.
func eachTarget(t *testing.T, fn func(t *testing.T, target string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b.target(t)) })
	}
}

// openAt opens the store at target and closes it with the test.
func openAt(t testing.TB, target string) *DB {
	t.Helper()
	s, err := Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// open opens a fresh SQLite store, for SQLite-only tests.
func open(t testing.TB) *DB { return openAt(t, backends[0].target(t)) }
