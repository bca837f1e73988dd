package store

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
)

// Tx is a transaction of the caller's that the store writes in
// (QueueRunsTx, RecordDeliveriesTx): serve commits a run's row, its webhook
// delivery and River's job together or not at all. Wrap a database/sql
// transaction with DB.SQLTx, a pgx one (River's PostgreSQL driver) with
// PgxTx. Only those adapters implement it.
type Tx interface {
	// exec runs a statement written with ? placeholders and returns the
	// rows it affected.
	exec(ctx context.Context, q string, args ...any) (int64, error)
	// queryRow runs a query written with ? placeholders; its Scan returns
	// an error matching sql.ErrNoRows when there is no row.
	queryRow(ctx context.Context, q string, args ...any) row
	// query runs a query written with ? placeholders and calls each for
	// every row.
	query(ctx context.Context, q string, each func(row) error, args ...any) error
	dialect() *dialect
}

type row interface{ Scan(dest ...any) error }

// SQLTx adapts tx, a transaction on this store's database (DB.InTx, or
// Writer().BeginTx), to Tx.
func (s *DB) SQLTx(tx *sql.Tx) Tx { return sqlConn{q: tx, d: s.d, tx: tx, stmts: s.stmts} }

// PgxTx adapts a pgx transaction on the store's PostgreSQL database (begun
// on DB.Pool, or handed over by River's riverpgxv5 driver) to Tx.
func PgxTx(tx pgx.Tx) Tx { return pgxConn{tx} }

// sqlConn is a database/sql pool or transaction in a dialect: the store's
// own writes go through it too.
type sqlConn struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
	d *dialect
	// tx is q when q is a transaction: it runs the prepared statements
	// of stmts, which exec and query use for the texts they hold.
	tx    *sql.Tx
	stmts stmtCache
}

// on is the statement to run q with: c.q, or the prepared statement of
// q's text on c.tx.
func (c sqlConn) on(ctx context.Context, q string) interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
} {
	if st := c.stmts[q]; st != nil && c.tx != nil {
		return c.tx.StmtContext(ctx, st)
	}
	return unprepared{c.q, c.d.bind(q)}
}

// unprepared runs a statement text on a pool or transaction.
type unprepared struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
	text string
}

func (u unprepared) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return u.q.ExecContext(ctx, u.text, args...)
}

func (u unprepared) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return u.q.QueryContext(ctx, u.text, args...)
}

func (c sqlConn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := c.on(ctx, q).ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c sqlConn) queryRow(ctx context.Context, q string, args ...any) row {
	return c.q.QueryRowContext(ctx, c.d.bind(q), args...)
}

func (c sqlConn) query(ctx context.Context, q string, each func(row) error, args ...any) error {
	rows, err := c.on(ctx, q).QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, each)
}

func (c sqlConn) dialect() *dialect { return c.d }

type pgxConn struct{ tx pgx.Tx }

func (c pgxConn) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := c.tx.Exec(ctx, postgresDialect.bind(q), args...)
	return tag.RowsAffected(), err
}

// queryRow's Scan reports pgx.ErrNoRows, which matches sql.ErrNoRows.
func (c pgxConn) queryRow(ctx context.Context, q string, args ...any) row {
	return c.tx.QueryRow(ctx, postgresDialect.bind(q), args...)
}

func (c pgxConn) query(ctx context.Context, q string, each func(row) error, args ...any) error {
	rows, err := c.tx.Query(ctx, postgresDialect.bind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, each)
}

// eachRow calls each for every row of rows (database/sql's or pgx's),
// then reports rows' own error.
func eachRow[R interface {
	row
	Next() bool
	Err() error
}](rows R, each func(row) error) error {
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (c pgxConn) dialect() *dialect { return postgresDialect }
