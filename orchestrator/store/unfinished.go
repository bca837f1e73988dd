package store

import (
	"context"
	"fmt"
)

// Unfinished is an interrupted run of a host: the rest of its events
// there is in the host's journal after LastSeq.
type Unfinished struct {
	RunID   string
	LastSeq int64
}

// typeJournalImported is event.TypeJournalImported: the event that closes
// a host's events in an interrupted run once its journal was read.
const typeJournalImported = "journal.imported"

// Unfinished returns the newest interrupted runs (at most limit) that
// targeted host (run_targets) or recorded events of it, and whose journal
// on it was not read yet; LastSeq is 0 for a run killed before any of the
// host's events was stored. Driven by runs' status index, then the
// (run_id, host) keys of run_targets and flow_events.
func (s *DB) Unfinished(ctx context.Context, host string, limit int) ([]Unfinished, error) {
	rows, err := s.r.QueryContext(ctx, s.d.bind(`SELECT r.id, COALESCE(MAX(e.seq), 0) FROM runs r
		LEFT JOIN flow_events e ON e.run_id = r.id AND e.host = ?
		WHERE r.status = ? AND (e.run_id IS NOT NULL
			OR EXISTS (SELECT 1 FROM run_targets t WHERE t.run_id = r.id AND t.host = ?))
		GROUP BY r.id, r.started_at
		HAVING SUM(CASE WHEN e.event_type = ? THEN 1 ELSE 0 END) = 0
		ORDER BY r.started_at DESC LIMIT ?`), host, StatusInterrupted, host, typeJournalImported, limit)
	if err != nil {
		return nil, fmt.Errorf("interrupted runs of %s: %w", host, err)
	}
	defer rows.Close()
	var out []Unfinished
	for rows.Next() {
		var u Unfinished
		if err := rows.Scan(&u.RunID, &u.LastSeq); err != nil {
			return nil, fmt.Errorf("interrupted runs of %s: %w", host, err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
