package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ck8s/ck8sctl/internal/event"
)

// insertEvent ignores a row whose (run_id, host, seq) is already stored:
// after a reconnect the orchestrator re-fetches from LastSeq and may resend
// events it already has. ON CONFLICT ... DO NOTHING is spelled the same in
// PostgreSQL.
const insertEvent = `INSERT INTO flow_events
	(run_id, host, seq, event_type, step, status, message, data, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (run_id, host, seq) DO NOTHING`

// AppendEvents stores evs in one transaction, all or none. Every event is
// validated first so that one bad event cannot leave a half-written batch
// or a row other consumers choke on (invalid JSON in data).
func (s *DB) AppendEvents(ctx context.Context, evs ...event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	for i, e := range evs {
		if le := event.Validate(e); le != nil {
			return fmt.Errorf("storing event %d (run %q host %q seq %d): field %q: %w",
				i, e.RunID, e.Host, e.Seq, le.Field, le.Err)
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storing %d events: %w", len(evs), err)
	}
	defer tx.Rollback() // no-op after Commit
	if err := s.lockRuns(ctx, tx, evs); err != nil {
		return fmt.Errorf("storing %d events: %w", len(evs), err)
	}
	var stmt *sql.Stmt
	if st := s.stmts[insertEvent]; st != nil {
		stmt = tx.StmtContext(ctx, st) // prepared when the store opened (stmts.go)
	} else if stmt, err = tx.PrepareContext(ctx, s.d.bind(insertEvent)); err != nil {
		return fmt.Errorf("storing %d events: %w", len(evs), err)
	}
	defer stmt.Close()
	for _, e := range evs {
		if _, err := stmt.ExecContext(ctx, e.RunID, e.Host, e.Seq, e.Type, e.Step,
			string(e.Status), e.Message, nullJSON(e.Data), s.d.time(e.Time)); err != nil {
			return fmt.Errorf("storing event %s/%s seq %d: %w", e.RunID, e.Host, e.Seq, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storing %d events: %w", len(evs), err)
	}
	return nil
}

// lockRuns makes the transaction's store ids of each run's events follow
// commit order, which EventsAfter (the SSE stream's resume point) relies
// on: a reader that has seen id N must never later find a smaller id
// committed. SQLite's single writer gives that for free. On PostgreSQL
// identity values are taken at insert, so two transactions of one run
// would commit out of id order; a per-run transaction advisory lock
// (run ids in sorted order, so two batches cannot deadlock) serialises
// them. Other runs' events are not held up.
func (s *DB) lockRuns(ctx context.Context, tx *sql.Tx, evs []event.Event) error {
	if s.pool == nil {
		return nil
	}
	runs := make([]string, 0, 1)
	for _, e := range evs {
		runs = append(runs, e.RunID)
	}
	slices.Sort(runs)
	for _, run := range slices.Compact(runs) {
		// The two-key form: a key space apart from the migration lock's.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, runLockClass, run); err != nil {
			return fmt.Errorf("locking run %s: %w", run, err)
		}
	}
	return nil
}

// runLockClass is the first key of the per-run event locks ("ck8s").
const runLockClass int32 = 0x636b3873

func nullJSON(raw json.RawMessage) sql.NullString {
	return sql.NullString{String: string(raw), Valid: len(raw) > 0}
}

// LastSeq returns the highest stored seq for host in the run, 0 if none:
// the point from which to resume after a reconnect.
func (s *DB) LastSeq(ctx context.Context, runID, host string) (int64, error) {
	var seq int64
	err := s.r.QueryRowContext(ctx,
		s.d.bind(`SELECT COALESCE(MAX(seq), 0) FROM flow_events WHERE run_id = ? AND host = ?`),
		runID, host).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("last seq of %s/%s: %w", runID, host, err)
	}
	return seq, nil
}

// Events returns the events f selects, ordered by created_at, run, host, seq.
func (s *DB) Events(ctx context.Context, f Filter) ([]event.Event, error) {
	q, args := s.eventsQuery(f)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("querying events: %w", err)
	}
	defer rows.Close()
	var evs []event.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("querying events: %w", err)
		}
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("querying events: %w", err)
	}
	return evs, nil
}

// eventsQuery builds the SELECT for f. It is separate so that a test can
// EXPLAIN exactly the statement Events runs.
func (s *DB) eventsQuery(f Filter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.RunID != "" {
		add("run_id = ?", f.RunID)
	}
	if f.Host != "" {
		add("host = ?", f.Host)
	}
	if f.Type != "" {
		add("event_type = ?", f.Type)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", s.d.time(f.Since))
	}
	var b strings.Builder
	b.WriteString(`SELECT run_id, host, seq, event_type, step, status, message, data, created_at FROM flow_events`)
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	b.WriteString(" ORDER BY created_at, run_id, host, seq")
	if f.Limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, f.Limit)
	}
	return s.d.bind(b.String()), args
}

// scanEvent scans an event row; lead, if given, are columns selected
// before the event's (its store id).
func scanEvent(rows *sql.Rows, lead ...any) (event.Event, error) {
	var (
		e      event.Event
		status string
		data   sql.NullString
	)
	dest := append(lead, &e.RunID, &e.Host, &e.Seq, &e.Type, &e.Step, &status, &e.Message, &data, timeDest{&e.Time})
	if err := rows.Scan(dest...); err != nil {
		return event.Event{}, fmt.Errorf("event %s/%s seq %d: %w", e.RunID, e.Host, e.Seq, err)
	}
	e.Status = event.Status(status)
	if data.Valid {
		e.Data = json.RawMessage(data.String)
	}
	return e, nil
}
