package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Queue enqueues runs: the run's row, its job and (for a webhook) the
// delivery record commit together or not at all, so an accepted request
// always has its job, and a replayed delivery never gets a second one.
type Queue struct {
	Client *Client
	Store  *store.DB
}

// Delivery identifies a webhook delivery.
type Delivery struct{ Hook, ID string }

// Enqueue queues a (whose RunID it fills if empty) and returns the run ID.
// With a delivery seen before, nothing is queued and dup is true: the ID
// is then the first run's.
func (q *Queue) Enqueue(ctx context.Context, a RunArgs, d *Delivery) (id string, dup bool, err error) {
	if a.RunID == "" {
		a.RunID = action.NewRunID()
	}
	now := time.Now().UTC()
	err = q.Store.InTx(ctx, func(tx *sql.Tx) error {
		if d != nil {
			first, seen, err := store.RecordDeliveryTx(ctx, q.Store.SQLTx(tx), d.Hook, d.ID, a.RunID, now)
			if err != nil || seen {
				id, dup = first, seen
				return err
			}
		}
		res, err := q.Client.InsertTx(ctx, tx, a, nil)
		if err != nil {
			return fmt.Errorf("queueing run %s: %w", a.RunID, err)
		}
		id = a.RunID
		return store.QueueRunTx(ctx, q.Store.SQLTx(tx), store.Run{ID: a.RunID, Command: string(a.Action), Started: now,
			Trigger: a.Trigger, Limit: a.Limit, JobID: res.Job.ID, Attempt: 1, Check: a.Check})
	})
	if err != nil {
		return "", false, err
	}
	return id, dup, nil
}
