package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// The serve daemon's group commit writes a burst's deliveries and queued
// runs with multi-row inserts (batch.go), in one SQLite transaction on the
// single writer connection. The pure-Go driver prepares every statement
// it is given anew, and preparing a statement of rows of placeholders
// took about a quarter of its time in BenchmarkWebhookBurst's profile;
// so a batch is cut into rows of the sizes below, whose statements are
// prepared once, when the store opens, and reused by every transaction
// (database/sql keeps them prepared on the writer connection, and
// prepares them again should that be replaced).

// batchSizes are the row counts of the prepared multi-row inserts,
// largest first: a batch of n rows takes at most three statements of each
// smaller size after the largest ones.
var batchSizes = []int{64, 16, 4, 1}

// batchChunks cuts n rows into batchSizes, largest first.
func batchChunks(n int) []int {
	var out []int
	for _, size := range batchSizes {
		for ; n >= size; n -= size {
			out = append(out, size)
		}
	}
	return out
}

// rowsSQL is head followed by n copies of row, comma separated, then tail.
func rowsSQL(head, row, tail string, n int) string {
	var b strings.Builder
	b.Grow(len(head) + n*(len(row)+2) + len(tail))
	b.WriteString(head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(tail)
	return b.String()
}

// batchStatements are every multi-row statement of batch.go, in every
// size of batchSizes, and insertEvent: every event of every run is its own
// transaction (AppendEvents), and preparing its insert was a quarter of
// that transaction's CPU.
func batchStatements() []string {
	out := []string{insertEvent}
	for _, n := range batchSizes {
		out = append(out, deliveriesSQL(n), queueRunsSQL(n))
	}
	return out
}

// stmtCache holds the writer's prepared statements by their text. It is
// filled before the store is used and only read after, so it needs no
// lock.
type stmtCache map[string]*sql.Stmt

// prepareBatchStatements prepares batchStatements on db (the writer pool,
// idle: the store is opening).
func prepareBatchStatements(ctx context.Context, db *sql.DB) (stmtCache, error) {
	c := stmtCache{}
	for _, q := range batchStatements() {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return nil, errors.Join(err, c.close())
		}
		c[q] = st
	}
	return c, nil
}

func (c stmtCache) close() error {
	var errs []error
	for _, st := range c {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
