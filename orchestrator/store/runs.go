package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CreateRun records the start of a run. A duplicate ID is an error: run IDs
// are generated unique, so a clash is a bug, not a retry.
func (s *SQLite) CreateRun(ctx context.Context, r Run) error {
	if r.ID == "" || r.Started.IsZero() {
		return fmt.Errorf("creating run %q: ID and Started are required", r.ID)
	}
	if r.Status == "" {
		r.Status = StatusRunning
	}
	exit := sql.NullInt64{}
	if !r.Finished.IsZero() {
		exit = sql.NullInt64{Int64: int64(r.ExitCode), Valid: true}
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO runs
		(id, command, playbook, started_at, finished_at, status, exit_code, hosts, check_mode)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Command, r.Playbook, formatTime(r.Started), nullTime(r.Finished),
		r.Status, exit, r.Hosts, r.Check)
	if err != nil {
		return fmt.Errorf("creating run %s: %w", r.ID, err)
	}
	return nil
}

// FinishRun records how a run ended. Finishing twice overwrites: the last
// word wins (a rollback may follow a failure report).
func (s *SQLite) FinishRun(ctx context.Context, id string, status string, exitCode int, finished time.Time) error {
	res, err := s.w.ExecContext(ctx,
		`UPDATE runs SET finished_at = ?, status = ?, exit_code = ? WHERE id = ?`,
		nullTime(finished), status, exitCode, id)
	if err != nil {
		return fmt.Errorf("finishing run %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("finishing run %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("finishing run %s: %w", id, ErrNotFound)
	}
	return nil
}

// Runs returns the newest runs first; limit <= 0 means all.
func (s *SQLite) Runs(ctx context.Context, limit int) ([]Run, error) {
	q := `SELECT id, command, playbook, started_at, finished_at, status, exit_code, hosts, check_mode
		FROM runs ORDER BY started_at DESC, id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("listing runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing runs: %w", err)
	}
	return runs, nil
}

func scanRun(rows *sql.Rows) (Run, error) {
	var (
		r                Run
		started          string
		finished         sql.NullString
		exit             sql.NullInt64
		startErr, finErr error
	)
	if err := rows.Scan(&r.ID, &r.Command, &r.Playbook, &started, &finished,
		&r.Status, &exit, &r.Hosts, &r.Check); err != nil {
		return Run{}, err
	}
	r.Started, startErr = parseTime(started)
	r.Finished, finErr = parseNullTime(finished)
	r.ExitCode = int(exit.Int64)
	if err := errors.Join(startErr, finErr); err != nil {
		return Run{}, fmt.Errorf("run %s: %w", r.ID, err)
	}
	return r, nil
}
