package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Beat records a heartbeat of the scheduler, worked by worker.
func (s *DB) Beat(ctx context.Context, at time.Time, worker string) error {
	_, err := s.w.ExecContext(ctx, s.d.bind(`INSERT INTO scheduler_beat (id, beat_at, worker) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at, worker = excluded.worker`), s.d.time(at), worker)
	if err != nil {
		return fmt.Errorf("recording the scheduler's heartbeat: %w", err)
	}
	return nil
}

// LastBeat is the newest heartbeat; the zero time if none was recorded.
func (s *DB) LastBeat(ctx context.Context) (time.Time, error) {
	var at time.Time
	err := s.r.QueryRowContext(ctx, `SELECT beat_at FROM scheduler_beat WHERE id = 1`).Scan(timeDest{&at})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the scheduler's heartbeat: %w", err)
	}
	return at, nil
}
