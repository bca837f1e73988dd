package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// walBackstop is the writer's wal_autocheckpoint (pages) while the
// background checkpointer runs: the writer checkpoints itself only if the
// checkpointer falls this far behind (64 MiB of 4 KiB pages).
const walBackstop = 16384

// CheckpointInBackground moves SQLite's checkpoints off the write path,
// for a long-running daemon: by default the connection whose commit takes
// the write-ahead log past 1,000 pages copies the log into the database
// file and fsyncs it inside that commit, a stall of milliseconds on
// whatever waits for it (a webhook's 202, under a burst every other
// burst). Instead, a connection of its own runs a PASSIVE checkpoint every
// interval, which never blocks the writer or readers, and the writer's
// own threshold becomes a backstop. A checkpoint that finds the log busy
// is simply tried again at the next tick. The returned stop ends it; the
// last connection's close checkpoints as always. PostgreSQL: nothing to do.
func (s *DB) CheckpointInBackground(ctx context.Context, every time.Duration) (stop func(), err error) {
	if s.pool != nil {
		return func() {}, nil
	}
	ck, err := sqlitePool(ctx, s.path, 1)
	if err != nil {
		return nil, fmt.Errorf("opening the checkpoint connection to %s: %w", s.path, err)
	}
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walBackstop)); err != nil {
		ck.Close()
		return nil, fmt.Errorf("raising the writer's checkpoint threshold: %w", err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// Busy or not, the result is the same: try again later.
				_, _ = ck.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
		ck.Close()
	}, nil
}
