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
// one transaction. Reports must be JSON (PostgreSQL's json column checks;
// SQLite's would not, so both are checked here).
func (s *DB) RecordResult(ctx context.Context, runID string, report json.RawMessage, hosts []HostResult) error {
	if !json.Valid(report) {
		return fmt.Errorf("recording result of run %s: field report: not JSON", runID)
	}
	for _, h := range hosts {
		if !json.Valid(h.Report) {
			return fmt.Errorf("recording result of run %s host %s: field report: not JSON", runID, h.Host)
		}
	}
	return s.InTx(ctx, func(sqlTx *sql.Tx) error {
		tx := s.SQLTx(sqlTx)
		var finished time.Time
		err := tx.queryRow(ctx, `UPDATE runs SET report = ? WHERE id = ? RETURNING finished_at`,
			string(report), runID).Scan(timeDest{&finished})
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("recording result of run %s: %w", runID, ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("recording result of run %s: %w", runID, err)
		}
		if finished.IsZero() {
			finished = time.Now()
		}
		for _, h := range hosts {
			if _, err := tx.exec(ctx, `INSERT INTO run_hosts (run_id, host, status, verdict, finished_at, report)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, host) DO UPDATE SET status = excluded.status,
				verdict = excluded.verdict, report = excluded.report`,
				runID, h.Host, h.Status, h.Verdict, s.d.time(finished), string(h.Report)); err != nil {
				return fmt.Errorf("recording result of run %s host %s: %w", runID, h.Host, err)
			}
		}
		return nil
	})
}

// hostsQuery picks each host's newest run_hosts row (a window function:
// portable, where SQLite's rowid is not), then names its run's command.
const hostsQuery = `SELECT h.host, h.status, h.verdict, h.report, h.run_id, r.command, h.finished_at
	FROM (SELECT run_hosts.*, row_number() OVER (PARTITION BY host ORDER BY finished_at DESC, run_id DESC) AS newest
		FROM run_hosts) h
	JOIN runs r ON r.id = h.run_id
	WHERE h.newest = 1
	ORDER BY h.host`

// Hosts returns every host's newest outcome, by host name.
func (s *DB) Hosts(ctx context.Context) ([]HostState, error) {
	rows, err := s.r.QueryContext(ctx, hostsQuery)
	if err != nil {
		return nil, fmt.Errorf("listing hosts: %w", err)
	}
	defer rows.Close()
	var hs []HostState
	for rows.Next() {
		var h HostState
		var rep string
		if err := rows.Scan(&h.Host, &h.Status, &h.Verdict, &rep, &h.RunID, &h.Action, timeDest{&h.Finished}); err != nil {
			return nil, fmt.Errorf("listing hosts: %w", err)
		}
		h.Report = []byte(rep)
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// EventsAfter returns a run's events stored after the one with id afterID,
// in store order, at most limit (<= 0: all).
func (s *DB) EventsAfter(ctx context.Context, runID string, afterID int64, limit int) ([]Stored, error) {
	q := `SELECT id, run_id, host, seq, event_type, step, status, message, data, created_at
		FROM flow_events WHERE run_id = ? AND id > ? ORDER BY id`
	args := []any{runID, afterID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, s.d.bind(q), args...)
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
