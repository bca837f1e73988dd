package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// HostResult is one host's outcome in a finished run.
type HostResult struct {
	Host    string
	Status  string // ok, failed, rolled-back, unreachable
	Verdict string // compliant, non-compliant, unreachable
	Report  json.RawMessage
}

// HostState is a host's newest outcome: its current verdict.
type HostState struct {
	HostResult
	RunID    string
	Action   string
	Finished time.Time
}

// Stored is an event with its store id, which orders a run's events as
// they were stored: the SSE stream's event id (Last-Event-ID resumes
// after it).
type Stored struct {
	ID int64
	event.Event
}

// RecordResult stores a finished run's report and its hosts' outcomes, in
// one transaction.
func (s *SQLite) RecordResult(ctx context.Context, runID string, report json.RawMessage, hosts []HostResult) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		var finished sql.NullString
		err := tx.QueryRowContext(ctx, `UPDATE runs SET report = ? WHERE id = ? RETURNING finished_at`,
			string(report), runID).Scan(&finished)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("recording result of run %s: %w", runID, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("recording result of run %s: %w", runID, err)
		}
		at := finished.String
		if !finished.Valid {
			at = formatTime(time.Now())
		}
		for _, h := range hosts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO run_hosts (run_id, host, status, verdict, finished_at, report)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, host) DO UPDATE SET status = excluded.status,
				verdict = excluded.verdict, report = excluded.report`,
				runID, h.Host, h.Status, h.Verdict, at, string(h.Report)); err != nil {
				return fmt.Errorf("recording result of run %s host %s: %w", runID, h.Host, err)
			}
		}
		return nil
	})
}

// Hosts returns every host's newest outcome, by host name.
func (s *SQLite) Hosts(ctx context.Context) ([]HostState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT h.host, h.status, h.verdict, h.report, h.run_id, r.command, h.finished_at
		FROM run_hosts h JOIN runs r ON r.id = h.run_id
		WHERE h.rowid = (SELECT h2.rowid FROM run_hosts h2 WHERE h2.host = h.host
			ORDER BY h2.finished_at DESC, h2.run_id DESC LIMIT 1)
		ORDER BY h.host`)
	if err != nil {
		return nil, fmt.Errorf("listing hosts: %w", err)
	}
	defer rows.Close()
	var hs []HostState
	for rows.Next() {
		var h HostState
		var rep, fin string
		if err := rows.Scan(&h.Host, &h.Status, &h.Verdict, &rep, &h.RunID, &h.Action, &fin); err != nil {
			return nil, fmt.Errorf("listing hosts: %w", err)
		}
		h.Report = []byte(rep)
		if h.Finished, err = parseTime(fin); err != nil {
			return nil, fmt.Errorf("listing hosts: %w", err)
		}
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// EventsAfter returns a run's events stored after the one with id afterID,
// in store order, at most limit (<= 0: all).
func (s *SQLite) EventsAfter(ctx context.Context, runID string, afterID int64, limit int) ([]Stored, error) {
	q := `SELECT id, run_id, host, seq, event_type, step, status, message, data, created_at
		FROM flow_events WHERE run_id = ? AND id > ? ORDER BY id`
	args := []any{runID, afterID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("events of run %s: %w", runID, err)
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		var st Stored
		if st.Event, err = scanEvent(rows, &st.ID); err != nil {
			return nil, fmt.Errorf("events of run %s: %w", runID, err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Prune deletes finished runs that started before `before`, with their
// events and host rows, batch runs per transaction so that ingest waits
// for one short transaction at a time, never for the whole prune.
// Returns the runs deleted.
func (s *SQLite) Prune(ctx context.Context, before time.Time, batch int) (int, error) {
	total := 0
	for {
		n := 0
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM runs WHERE started_at < ? AND finished_at IS NOT NULL
				ORDER BY started_at LIMIT ?`, formatTime(before), batch)
			if err != nil {
				return err
			}
			var ids []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
			for _, id := range ids {
				for _, q := range []string{`DELETE FROM flow_events WHERE run_id = ?`, `DELETE FROM run_hosts WHERE run_id = ?`, `DELETE FROM runs WHERE id = ?`} {
					if _, err := tx.ExecContext(ctx, q, id); err != nil {
						return err
					}
				}
			}
			n = len(ids)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("pruning runs before %s: %w", before.Format(time.RFC3339), err)
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// InTx runs fn in one write transaction (BEGIN IMMEDIATE). fn must use
// only tx: the writer pool has one connection, which tx holds.
func (s *SQLite) InTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Writer is the single-connection write pool, for River's SQLite driver:
// jobs and our rows then commit in one transaction, and River's writes
// queue behind ours instead of failing with SQLITE_BUSY.
func (s *SQLite) Writer() *sql.DB { return s.w }

// RecordDeliveryTx records a webhook delivery for runID in the caller's
// transaction. A delivery seen before returns the first run's id and dup.
func RecordDeliveryTx(ctx context.Context, tx *sql.Tx, hook, id, runID string, at time.Time) (string, bool, error) {
	var first string
	err := tx.QueryRowContext(ctx, `INSERT INTO webhook_deliveries (hook, delivery_id, run_id, received_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (hook, delivery_id) DO NOTHING RETURNING run_id`,
		hook, id, runID, formatTime(at)).Scan(&first)
	if err == nil {
		return first, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", false, fmt.Errorf("recording delivery %s of hook %s: %w", id, hook, err)
	}
	err = tx.QueryRowContext(ctx, `SELECT run_id FROM webhook_deliveries WHERE hook = ? AND delivery_id = ?`,
		hook, id).Scan(&first)
	if err != nil {
		return "", false, fmt.Errorf("recording delivery %s of hook %s: %w", id, hook, err)
	}
	return first, true, nil
}

// Reader is the read-only pool: for reads beside the store's own (the
// queue depth from River's table, in the same file).
func (s *SQLite) Reader() *sql.DB { return s.r }
