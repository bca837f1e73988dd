package store

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ck8s/ck8sctl/internal/pgtest"
)

func TestOpenMigratesAndReopens(t *testing.T) {
	eachTarget(t, func(t *testing.T, target string) {
		ctx := context.Background()
		for i := range 3 { // reopening must find nothing to do and lose nothing
			s, err := Open(ctx, target)
			if err != nil {
				t.Fatalf("open #%d: %v", i, err)
			}
			for _, table := range []string{"runs", "flow_events", "run_hosts", "webhook_deliveries"} {
				if _, err := s.r.ExecContext(ctx, `SELECT count(*) FROM `+table); err != nil {
					t.Fatalf("open #%d: table %s: %v", i, table, err)
				}
			}
			p, err := provider(s.w, s.d)
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
		s := openAt(t, target)
		if n, _ := s.LastSeq(ctx, "r1", "h1"); n != 3 {
			t.Fatalf("after reopening: LastSeq = %d, want 3", n)
		}
	})
}

// TestMigrationsMatch: both dialects have the same versions, so that a
// version number means the same schema whichever database holds it.
func TestMigrationsMatch(t *testing.T) {
	versions := func(d *dialect) []string {
		entries, err := fs.ReadDir(migrations, "migrations/"+d.name)
		if err != nil {
			t.Fatal(err)
		}
		var v []string
		for _, e := range entries {
			v = append(v, e.Name())
		}
		return v
	}
	a, b := versions(sqliteDialect), versions(postgresDialect)
	if strings.Join(a, " ") != strings.Join(b, " ") || len(a) == 0 {
		t.Errorf("migrations differ:\nsqlite   %v\npostgres %v", a, b)
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

// TestOpenConcurrentFreshPostgres opens one new PostgreSQL database from
// several replicas at once: the migration lock lets one migrate while the
// others wait, then find nothing to do.
func TestOpenConcurrentFreshPostgres(t *testing.T) {
	target := backends[1].target(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := Open(context.Background(), target)
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	eachTarget(t, func(t *testing.T, target string) {
		ctx := context.Background()
		s, err := Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.writer().exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err = Open(ctx, target)
		if err == nil || !strings.Contains(err.Error(), "newer than this ck8sctl") {
			t.Fatalf("Open of a newer schema: err = %v", err)
		}
	})
}

// TestOpenPostgresHidesPassword: a URL's password appears in no error,
// whether the URL is refused, the server is not there, or it refuses us.
func TestOpenPostgresHidesPassword(t *testing.T) {
	const secret = "s3cr3t-pw"
	c := pgtest.Shared(t)
	good := c.NewDatabase(t)
	ctx := context.Background()
	for _, dsn := range []string{
		"postgres://ck8s:" + secret + "@127.0.0.1:1/x?sslmode=disable",                                   // nothing listens
		"postgres://ck8s:" + secret + "@127.0.0.1:1/x?sslmode=bogus",                                     // refused by pgx
		"postgres://ck8s:" + secret + "@127.0.0.1:99999/x",                                               // bad port
		"postgres://ck8s:" + secret + "@127.0.0.1:" + fmt.Sprint(c.Port()) + "/nosuchdb?sslmode=disable", // refused by the server
	} {
		s, err := Open(ctx, dsn)
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded", dsn)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	s := openAt(t, strings.Replace(good, "ck8s@", "ck8s:"+secret+"@", 1)) // trust: any password will do
	if strings.Contains(s.name, secret) {
		t.Errorf("the store's name shows the password: %s", s.name)
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
