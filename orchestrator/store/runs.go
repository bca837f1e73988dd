package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// CreateRun records the start of a run. A run serve queued (status
// queued, same ID) becomes this run: its trigger, limit and job stay. Any
// other existing ID is an error: run IDs are generated unique, so a clash
// is a bug, not a retry.
func (s *DB) CreateRun(ctx context.Context, r Run) error {
	if r.Status == "" {
		r.Status = StatusRunning
	}
	if len(r.Targets) == 0 {
		return insertRun(ctx, s.writer(), r, takeQueued)
	}
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if err := insertRun(ctx, s.SQLTx(tx), r, takeQueued); err != nil {
			return err
		}
		return insertTargets(ctx, s.SQLTx(tx), r.ID, r.Targets)
	})
}

// insertTargets records the hosts of run id, in statements of at most
// targetsPerInsert rows (SQLite bounds a statement's parameters).
func insertTargets(ctx context.Context, tx Tx, id string, hosts []string) error {
	for len(hosts) > 0 {
		n := min(len(hosts), targetsPerInsert)
		args := make([]any, 0, 2*n)
		for _, h := range hosts[:n] {
			args = append(args, id, h)
		}
		q := `INSERT INTO run_targets (run_id, host) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ") + ` ON CONFLICT DO NOTHING`
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("recording the hosts of run %s: %w", id, err)
		}
		hosts = hosts[n:]
	}
	return nil
}

const targetsPerInsert = 500

// QueueRun records a queued run unless its ID exists: a job's worker
// calls it for every attempt, so that a run River inserted by itself (a
// schedule's) or a retry has its row before it starts. A row that exists
// without a job (QueueRunsTx records none: the enqueue does not ask River
// for the IDs) gets r's JobID; nothing else of it changes.
func (s *DB) QueueRun(ctx context.Context, r Run) error {
	r.Status = StatusQueued
	return insertRun(ctx, s.writer(), r, fillJob)
}

// How insertRun treats an existing ID.
const (
	insertOnly = iota // an error
	takeQueued        // a queued row becomes this run
	fillJob           // only a missing job_id is written
)

func insertRun(ctx context.Context, tx Tx, r Run, onConflict int) error {
	if r.ID == "" || r.Started.IsZero() {
		return fmt.Errorf("creating run %q: ID and Started are required", r.ID)
	}
	if r.Trigger == "" {
		r.Trigger = TriggerCLI
	}
	exit := sql.NullInt64{}
	if !r.Finished.IsZero() {
		exit = sql.NullInt64{Int64: int64(r.ExitCode), Valid: true}
	}
	q := `INSERT INTO runs
		(id, command, playbook, started_at, finished_at, status, exit_code, hosts, check_mode,
		 run_trigger, limit_pattern, job_id, attempt, owner)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	switch onConflict {
	case takeQueued:
		q += ` ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, status = excluded.status,
			hosts = excluded.hosts, check_mode = excluded.check_mode, owner = excluded.owner WHERE runs.status = 'queued'`
	case fillJob:
		q += ` ON CONFLICT (id) DO UPDATE SET job_id = excluded.job_id WHERE runs.job_id IS NULL`
	}
	d := tx.dialect()
	n, err := tx.exec(ctx, q,
		r.ID, r.Command, r.Playbook, d.time(r.Started), d.nullTime(r.Finished),
		r.Status, exit, r.Hosts, r.Check, r.Trigger, r.Limit, nullInt(r.JobID), max(r.Attempt, 1), r.Owner)
	if err != nil {
		return fmt.Errorf("creating run %s: %w", r.ID, err)
	}
	if n == 0 && onConflict != fillJob {
		return fmt.Errorf("creating run %s: the id exists and is not queued", r.ID)
	}
	return nil
}

func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

// FinishRun records how a run ended. Finishing twice overwrites: the last
// word wins (a rollback may follow a failure report).
func (s *DB) FinishRun(ctx context.Context, id string, status string, exitCode int, finished time.Time) error {
	n, err := s.writer().exec(ctx,
		`UPDATE runs SET finished_at = ?, status = ?, exit_code = ? WHERE id = ?`,
		s.d.nullTime(finished), status, exitCode, id)
	if err != nil {
		return fmt.Errorf("finishing run %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("finishing run %s: %w", id, ErrNotFound)
	}
	return nil
}

// RunFilter selects runs. Zero fields do not filter.
type RunFilter struct {
	Status  string
	Host    string // runs that reported on this host
	Trigger string
	Limit   int // <= 0: all
}

const runColumns = `id, command, playbook, started_at, finished_at, status, exit_code, hosts, check_mode,
	run_trigger, limit_pattern, job_id, attempt`

// Runs returns the newest runs first; limit <= 0 means all.
func (s *DB) Runs(ctx context.Context, limit int) ([]Run, error) {
	return s.ListRuns(ctx, RunFilter{Limit: limit})
}

// ListRuns returns the runs f selects, newest first.
func (s *DB) ListRuns(ctx context.Context, f RunFilter) ([]Run, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Trigger != "" {
		where, args = append(where, "run_trigger = ?"), append(args, f.Trigger)
	}
	if f.Host != "" {
		where = append(where, "id IN (SELECT run_id FROM run_hosts WHERE host = ?)")
		args = append(args, f.Host)
	}
	q := `SELECT ` + runColumns + ` FROM runs`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY started_at DESC, id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, s.d.bind(q), args...)
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

// Run returns one run with its report; ErrNotFound for an unknown id.
func (s *DB) Run(ctx context.Context, id string) (Run, error) {
	rows, err := s.r.QueryContext(ctx, s.d.bind(`SELECT `+runColumns+`, report FROM runs WHERE id = ?`), id)
	if err != nil {
		return Run{}, fmt.Errorf("reading run %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Run{}, fmt.Errorf("reading run %s: %w", id, err)
		}
		return Run{}, fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	var rep sql.NullString
	r, err := scanRun(rows, &rep)
	if err != nil {
		return Run{}, fmt.Errorf("reading run %s: %w", id, err)
	}
	if rep.Valid {
		r.Report = []byte(rep.String)
	}
	return r, nil
}

// LastRun returns the newest run of trigger; ErrNotFound if it never ran.
func (s *DB) LastRun(ctx context.Context, trigger string) (Run, error) {
	runs, err := s.ListRuns(ctx, RunFilter{Trigger: trigger, Limit: 1})
	if err != nil {
		return Run{}, err
	}
	if len(runs) == 0 {
		return Run{}, fmt.Errorf("last run of %s: %w", trigger, ErrNotFound)
	}
	return runs[0], nil
}

// InterruptRuns marks every running run that serve started interrupted:
// called by a serve that owns the database alone (SQLite) as it starts,
// since nothing can still be running them. A CLI run in flight on the
// same file is left alone. Returns how many there were.
func (s *DB) InterruptRuns(ctx context.Context, at time.Time) (int, error) {
	// No exit code: the run never got to one.
	n, err := s.writer().exec(ctx, `UPDATE runs SET status = ?, finished_at = ?, exit_code = NULL
		WHERE status = ? AND run_trigger <> ?`, StatusInterrupted, s.d.time(at), StatusRunning, TriggerCLI)
	if err != nil {
		return 0, fmt.Errorf("marking interrupted runs: %w", err)
	}
	return int(n), nil
}

func scanRun(rows *sql.Rows, extra ...any) (Run, error) {
	var (
		r         Run
		exit, job sql.NullInt64
	)
	dest := []any{&r.ID, &r.Command, &r.Playbook, timeDest{&r.Started}, timeDest{&r.Finished},
		&r.Status, &exit, &r.Hosts, &r.Check, &r.Trigger, &r.Limit, &job, &r.Attempt}
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return Run{}, fmt.Errorf("run %s: %w", r.ID, err)
	}
	r.ExitCode = int(exit.Int64)
	r.JobID = job.Int64
	return r, nil
}

// InterruptDead marks interrupted every CLI run still "running" whose
// owner is not alive: its process died under it (kill -9, a crash, a
// reboot). The CLI calls it as it starts a run, so no run stays running
// forever, and the next contact with its hosts imports the rest of its
// events. Serve's runs are River's to rescue. Returns how many there were.
func (s *DB) InterruptDead(ctx context.Context, alive func(owner string) bool, at time.Time) (int, error) {
	var dead []string
	err := sqlConn{q: s.r, d: s.d}.query(ctx, `SELECT id, owner FROM runs WHERE status = ? AND run_trigger = ? AND owner <> ''`,
		func(r row) error {
			var id, owner string
			if err := r.Scan(&id, &owner); err != nil {
				return err
			}
			if !alive(owner) {
				dead = append(dead, id)
			}
			return nil
		}, StatusRunning, TriggerCLI)
	if err != nil {
		return 0, fmt.Errorf("finding runs whose process died: %w", err)
	}
	n := 0
	for _, id := range dead {
		// No exit code: the run never got to one. Only if still running:
		// another process may have marked it meanwhile.
		m, err := s.writer().exec(ctx, `UPDATE runs SET status = ?, finished_at = ?, exit_code = NULL WHERE id = ? AND status = ?`,
			StatusInterrupted, s.d.time(at), id, StatusRunning)
		if err != nil {
			return n, fmt.Errorf("marking run %s interrupted: %w", id, err)
		}
		n += int(m)
	}
	return n, nil
}

// FinishOwned records every run owner still has running as finished with
// status and exitCode, and returns how many it marked. ck8sctl's supervisor calls it
// when the process that owned the runs died of a Go fatal error, which no
// deferred function survives (see internal/crash).
func (s *DB) FinishOwned(ctx context.Context, owner, status string, exitCode int, at time.Time) (int, error) {
	if owner == "" {
		return 0, nil // runs from before owners were recorded are nobody's
	}
	n, err := s.writer().exec(ctx, `UPDATE runs SET status = ?, finished_at = ?, exit_code = ? WHERE owner = ? AND status = ?`,
		status, s.d.nullTime(at), exitCode, owner, StatusRunning)
	if err != nil {
		return 0, fmt.Errorf("marking the runs of %s %s: %w", owner, status, err)
	}
	return int(n), nil
}
