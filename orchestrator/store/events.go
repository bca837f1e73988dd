package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
func (s *SQLite) AppendEvents(ctx context.Context, evs ...event.Event) error {
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
	stmt, err := tx.PrepareContext(ctx, insertEvent)
	if err != nil {
		return fmt.Errorf("storing %d events: %w", len(evs), err)
	}
	defer stmt.Close()
	for _, e := range evs {
		if _, err := stmt.ExecContext(ctx, e.RunID, e.Host, e.Seq, e.Type, e.Step,
			string(e.Status), e.Message, nullJSON(e.Data), formatTime(e.Time)); err != nil {
			return fmt.Errorf("storing event %s/%s seq %d: %w", e.RunID, e.Host, e.Seq, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storing %d events: %w", len(evs), err)
	}
	return nil
}

func nullJSON(raw json.RawMessage) sql.NullString {
	return sql.NullString{String: string(raw), Valid: len(raw) > 0}
}

// LastSeq returns the highest stored seq for host in the run, 0 if none:
// the point from which to resume after a reconnect.
func (s *SQLite) LastSeq(ctx context.Context, runID, host string) (int64, error) {
	var seq int64
	err := s.r.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(seq), 0) FROM flow_events WHERE run_id = ? AND host = ?`,
		runID, host).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("last seq of %s/%s: %w", runID, host, err)
	}
	return seq, nil
}

// Events returns the events f selects, ordered by created_at, run, host, seq.
func (s *SQLite) Events(ctx context.Context, f Filter) ([]event.Event, error) {
	q, args := eventsQuery(f)
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
func eventsQuery(f Filter) (string, []any) {
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
		add("created_at >= ?", formatTime(f.Since))
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
	return b.String(), args
}

// scanEvent scans an event row; lead, if given, are columns selected
// before the event's (its store id).
func scanEvent(rows *sql.Rows, lead ...any) (event.Event, error) {
	var (
		e       event.Event
		status  string
		data    sql.NullString
		created string
	)
	dest := append(lead, &e.RunID, &e.Host, &e.Seq, &e.Type, &e.Step, &status, &e.Message, &data, &created)
	if err := rows.Scan(dest...); err != nil {
		return event.Event{}, err
	}
	e.Status = event.Status(status)
	if data.Valid {
		e.Data = json.RawMessage(data.String)
	}
	t, err := parseTime(created)
	if err != nil {
		return event.Event{}, fmt.Errorf("event %s/%s seq %d: %w", e.RunID, e.Host, e.Seq, err)
	}
	e.Time = t
	return e, nil
}
