package pgtest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestCluster creates two databases, proves they are separate, that the
// server listens on loopback only, and that Stop cuts it and Start brings
// it back with its data.
func TestCluster(t *testing.T) {
	c := Shared(t)
	ctx := context.Background()
	a, b := c.NewDatabase(t), c.NewDatabase(t)
	if a == b {
		t.Fatalf("two databases share the DSN %s", a)
	}
	execSQL(t, a, `CREATE TABLE marker (v text); INSERT INTO marker VALUES ('a')`)
	var listen string
	query(t, b, `SHOW listen_addresses`, &listen)
	if listen != "127.0.0.1" {
		t.Errorf("listen_addresses = %q, want 127.0.0.1", listen)
	}
	var tables int
	query(t, b, `SELECT count(*) FROM pg_tables WHERE tablename = 'marker'`, &tables)
	if tables != 0 {
		t.Error("a new database sees another's table")
	}

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if conn, err := pgx.Connect(ctx, a); err == nil {
		conn.Close(ctx)
		t.Fatal("connected to a stopped server")
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var v string
	query(t, a, `SELECT v FROM marker`, &v)
	if v != "a" {
		t.Errorf("after restart: marker = %q, want a", v)
	}
}

// TestStartRemoves checks that a per-test cluster's directory is gone
// after the test.
func TestStartRemoves(t *testing.T) {
	var dir string
	t.Run("cluster", func(t *testing.T) {
		c := Start(t)
		dir = c.dir
		if !strings.HasPrefix(c.DSN("x"), "postgres://ck8s@127.0.0.1:") {
			t.Errorf("DSN %s", c.DSN("x"))
		}
	})
	if dir == "" {
		t.Skip("no cluster started")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s remains after the test: %v", dir, err)
	}
}

func execSQL(t *testing.T, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func query(t *testing.T, dsn, sql string, dest any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), sql).Scan(dest); err != nil {
		t.Fatal(err)
	}
}
