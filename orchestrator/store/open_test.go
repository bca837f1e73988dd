package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// open opens a fresh store under t.TempDir and closes it with the test.
func open(t testing.TB) *SQLite {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "state", "ck8s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenMigratesAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ck8s.db")
	for i := range 3 { // reopening must find nothing to do and lose nothing
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i, err)
		}
		var tables int
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master
			WHERE type = 'table' AND name IN ('runs', 'flow_events')`).Scan(&tables)
		if err != nil || tables != 2 {
			t.Fatalf("open #%d: tables = %d, %v", i, tables, err)
		}
		p, err := provider(s.w)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := p.GetDBVersion(ctx); err != nil || v != latest(p) {
			t.Fatalf("open #%d: db version %d, want %d (%v)", i, v, latest(p), err)
		}
		if err := s.AppendEvents(ctx, ev("r1", "h1", int64(i+1), "step.started")); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.LastSeq(ctx, "r1", "h1"); n != 3 {
		t.Fatalf("after reopening: LastSeq = %d, want 3", n)
	}
}

// TestOpenConcurrentFresh opens one new database from several "processes"
// (separate pools) at once, as a CLI run and serve may: the migration and
// the switch to WAL must survive the race. Each contended round may cost a
// second (goose retries creating its version table once a second).
func TestOpenConcurrentFresh(t *testing.T) {
	for round := range 4 {
		path := filepath.Join(t.TempDir(), "ck8s.db")
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				s, err := Open(context.Background(), path)
				if err != nil {
					t.Errorf("round %d: %v", round, err)
					return
				}
				s.Close()
			})
		}
		wg.Wait()
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ck8s.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, 1)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer than this ck8sctl") {
		t.Fatalf("Open of a newer schema: err = %v", err)
	}
}

func TestPragmas(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	for _, tc := range []struct {
		pool, pragma, want string
	}{
		{"writer", "journal_mode", "wal"},
		{"writer", "busy_timeout", "5000"},
		{"writer", "synchronous", "1"}, // NORMAL
		{"reader", "journal_mode", "wal"},
		{"reader", "busy_timeout", "5000"},
		{"reader", "query_only", "1"},
	} {
		db := s.w
		if tc.pool == "reader" {
			db = s.r
		}
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("%s PRAGMA %s: %v", tc.pool, tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("%s PRAGMA %s = %q, want %q", tc.pool, tc.pragma, got, tc.want)
		}
	}
	if _, err := s.r.ExecContext(ctx, `DELETE FROM runs`); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestOpenFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "ck8s")
	s, err := Open(context.Background(), filepath.Join(dir, "ck8s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for path, want := range map[string]os.FileMode{
		dir:                               0o700,
		filepath.Join(dir, "ck8s.db"):     0o600,
		filepath.Join(dir, "ck8s.db-wal"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
}

func TestOpenOddPath(t *testing.T) {
	// '?' and '#' would end the path in a naive DSN.
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "a?b#c %d.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(s.Path()); err != nil {
		t.Fatalf("database not at %s: %v", s.Path(), err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	for _, tc := range []struct{ xdg, want string }{
		{"", "/home/u/.local/state/ck8s/ck8s.db"},
		{"/var/state", "/var/state/ck8s/ck8s.db"},
		{"relative", "/home/u/.local/state/ck8s/ck8s.db"}, // ignored per the XDG spec
	} {
		t.Setenv("XDG_STATE_HOME", tc.xdg)
		got, err := DefaultPath()
		if err != nil || got != tc.want {
			t.Errorf("XDG_STATE_HOME=%q: DefaultPath() = %q, %v; want %q", tc.xdg, got, err, tc.want)
		}
	}
}
