package pgtest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

// DSN is the URL of database name on the cluster, over TCP on loopback.
func (c *Cluster) DSN(name string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", User, c.port, name)
}

// Port is the server's TCP port on 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// databases numbers the databases NewDatabase creates.
var databases atomic.Int64

// notIdent is what may not appear in an unquoted identifier.
var notIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDatabase creates an empty database for t and returns its DSN. It is
// not dropped: the cluster is removed as a whole.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", databases.Add(1), notIdent.ReplaceAllString(strings.ToLower(t.Name()), "_"))
	name = name[:min(len(name), 63)] // PostgreSQL's identifier limit
	if err := c.CreateDatabase(t.Context(), name); err != nil {
		t.Fatal(err)
	}
	return c.DSN(name)
}

// CreateDatabase creates database name (a plain identifier).
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	defer conn.Close(ctx)
	q := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	// From PostgreSQL 15 the default copies the template through the WAL,
	// four times slower than copying its files (a checkpoint, which costs
	// nothing with fsync off).
	var version int
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	if version >= 150000 {
		q += " STRATEGY = FILE_COPY"
	}
	if _, err := conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	return nil
}
