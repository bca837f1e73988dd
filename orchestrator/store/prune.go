package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Prune deletes finished runs that started before `before`, with their
// events and host rows, batch runs per transaction so that ingest waits
// for one short transaction at a time (SQLite's single writer), never for
// the whole prune; on PostgreSQL ingest does not wait at all, the rows it
// writes being others. Returns the runs deleted.
func (s *DB) Prune(ctx context.Context, before time.Time, batch int) (int, error) {
	if batch < 1 {
		return 0, fmt.Errorf("pruning runs: batch %d: must be at least 1", batch)
	}
	total := 0
	for {
		n, err := s.pruneBatch(ctx, before, batch)
		total += n
		if err != nil {
			return total, fmt.Errorf("pruning runs before %s: %w", before.Format(time.RFC3339), err)
		}
		if n < batch {
			return total, nil
		}
	}
}

// pruneBatch deletes the oldest batch of prunable runs in one
// transaction: three DELETEs, whatever the batch size (which the
// placeholder limits of both databases, 32766 and 65535, bound).
func (s *DB) pruneBatch(ctx context.Context, before time.Time, batch int) (int, error) {
	n := 0
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		ids, err := s.prunable(ctx, tx, before, batch)
		if err != nil || len(ids) == 0 {
			return err
		}
		in := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
		for _, q := range []string{
			`DELETE FROM flow_events WHERE run_id IN (` + in + `)`,
			`DELETE FROM run_hosts WHERE run_id IN (` + in + `)`,
			`DELETE FROM run_targets WHERE run_id IN (` + in + `)`,
			`DELETE FROM runs WHERE id IN (` + in + `)`,
		} {
			if _, err := tx.ExecContext(ctx, s.d.bind(q), ids...); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// prunable returns the ids of at most batch finished runs started before
// `before`, oldest first (runs_started_at serves it).
func (s *DB) prunable(ctx context.Context, tx *sql.Tx, before time.Time, batch int) ([]any, error) {
	rows, err := tx.QueryContext(ctx, s.d.bind(`SELECT id FROM runs WHERE started_at < ? AND finished_at IS NOT NULL
		ORDER BY started_at LIMIT ?`), s.d.time(before), batch)
	if err != nil {
		return nil, err
	}
	var ids []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, errors.Join(rows.Err(), rows.Close())
}
