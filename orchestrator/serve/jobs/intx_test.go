package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// With SQLite, a transaction's statements run with a context that is
// never done (no watcher goroutine per statement), yet the transaction's
// context still ends it: one done before the commit leaves nothing, the
// run's row and the job both gone.
func TestSQLiteTxEndsWithItsContext(t *testing.T) {
	q, db := queue(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := q.Client.InTx(ctx, func(sctx context.Context, tx store.Tx, insert jobs.InsertFunc) error {
		if sctx.Done() != nil {
			t.Error("the statements' context can be done: the driver starts a goroutine per statement to watch it")
		}
		run := store.Run{ID: "r1", Command: "sweep", Started: time.Now()}
		if err := store.QueueRunsTx(sctx, tx, []store.Run{run}); err != nil {
			return err
		}
		if n, err := insert([]river.InsertManyParams{{Args: jobs.RunArgs{RunID: "r1", Action: "sweep"}}}); n != 1 || err != nil {
			t.Fatalf("insert: %d, %v", n, err)
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("InTx with its context cancelled before the commit: %v, want context.Canceled", err)
	}
	var runs, jobsN int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM river_job)`).Scan(&runs, &jobsN); err != nil {
		t.Fatal(err)
	}
	if runs != 0 || jobsN != 0 {
		t.Errorf("%d runs and %d jobs after a cancelled transaction, want none", runs, jobsN)
	}
}
