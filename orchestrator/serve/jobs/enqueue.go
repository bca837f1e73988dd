package jobs

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Queue enqueues runs: the run's row, its job and (for a webhook) the
// delivery record commit together or not at all, so an accepted request
// always has its job, and a replayed delivery never gets a second one.
//
// Requests that arrive while a transaction commits are committed together
// in the next one (group commit): SQLite has one writer, and a
// transaction's fixed cost (BEGIN IMMEDIATE, River's insert statement,
// the WAL commit) then is paid once per burst, not once per delivery.
// Every caller still returns only after its own rows have committed.
type Queue struct {
	Client Client

	mu      sync.Mutex
	pending []*request
	busy    bool // a committer goroutine is draining pending
}

// Delivery identifies a webhook delivery.
type Delivery struct{ Hook, ID string }

// request is one Enqueue call waiting for its batch.
type request struct {
	ctx  context.Context
	args RunArgs
	d    *Delivery
	at   time.Time

	id   string
	dup  bool
	err  error
	done chan struct{}
}

// maxBatch bounds a transaction: a burst larger than this commits in
// several, so no single transaction holds the writer for long.
const maxBatch = 256

// batchTimeout bounds one batch's transaction. It is not a caller's
// deadline: a batch serves many callers, and a caller whose deadline
// passes while its batch commits still gets the committed answer.
const batchTimeout = 5 * time.Second

// Enqueue queues a (whose RunID it fills if empty) and returns the run ID.
// With a delivery seen before, nothing is queued and dup is true: the ID
// is then the first run's. It returns after the commit; a ctx done before
// the request's batch began leaves nothing queued.
func (q *Queue) Enqueue(ctx context.Context, a RunArgs, d *Delivery) (id string, dup bool, err error) {
	if a.RunID == "" {
		a.RunID = action.NewRunID()
	}
	r := &request{ctx: ctx, args: a, d: d, at: time.Now().UTC(), done: make(chan struct{})}
	q.mu.Lock()
	q.pending = append(q.pending, r)
	if !q.busy {
		q.busy = true
		go q.drain()
	}
	q.mu.Unlock()
	<-r.done
	return r.id, r.dup, r.err
}

// drain commits pending requests in batches until none is left.
func (q *Queue) drain() {
	for {
		q.gather()
		q.mu.Lock()
		n := min(len(q.pending), maxBatch)
		if n == 0 {
			q.busy = false
			q.mu.Unlock()
			return
		}
		batch := q.pending[:n:n]
		q.pending = q.pending[n:]
		q.mu.Unlock()
		q.commit(live(batch))
	}
}

// gather lets requests that are on their way join the next batch: it
// yields the processor while the pending list keeps growing, for at most
// gatherMax. Yielding puts the committer behind every goroutine ready to
// run (the handlers of a burst, verifying and parsing), so a burst
// commits in a few large transactions instead of many small ones, each
// paying SQLite's fixed cost (prepare, BEGIN, WAL commit) that made the
// tail latency; an idle server yields to nobody and commits at once.
func (q *Queue) gather() {
	deadline := time.Now().Add(gatherMax)
	for n := -1; ; {
		q.mu.Lock()
		m := len(q.pending)
		q.mu.Unlock()
		if m == n || m >= maxBatch || time.Now().After(deadline) {
			return
		}
		n = m
		runtime.Gosched()
	}
}

// gatherMax bounds the wait of gather.
const gatherMax = 2 * time.Millisecond

// live answers the requests whose caller gave up before their batch
// began, and returns the others.
func live(batch []*request) []*request {
	out := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = fmt.Errorf("queueing run %s: %w", r.args.RunID, err)
			close(r.done)
			continue
		}
		out = append(out, r)
	}
	return out
}

// commit writes batch in one transaction and answers each request. If
// the transaction fails, each request is retried alone, so that one bad
// request (a duplicate unique key, say) fails only itself.
func (q *Queue) commit(batch []*request) {
	if len(batch) == 0 {
		return
	}
	err := q.tx(batch)
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			q.commit([]*request{r})
		}
		return
	}
	for _, r := range batch {
		if err != nil {
			r.id, r.dup, r.err = "", false, err
		}
		close(r.done)
	}
}

// tx records the batch's deliveries, inserts the jobs of those not seen
// before with one River insert, and records their runs as queued, in one
// transaction. A job carries its run's ID in its args (runId), which is
// how a queued run and its job are joined until a worker records the job
// ID on the run.
func (q *Queue) tx(batch []*request) error {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	return q.Client.InTx(ctx, func(ctx context.Context, tx store.Tx, insert InsertFunc) error {
		fresh, err := recordDeliveries(ctx, tx, batch)
		if err != nil {
			return err
		}
		params := make([]river.InsertManyParams, len(fresh))
		for i, r := range fresh {
			params[i] = river.InsertManyParams{Args: r.args}
		}
		n, err := insert(params)
		if err != nil {
			return err
		}
		if n != len(fresh) {
			// Not one of ours is unique (RunArgs' InsertOpts has no
			// UniqueOpts), so a short count is River skipping a job.
			return fmt.Errorf("queueing %d runs: River inserted %d", len(fresh), n)
		}
		runs := make([]store.Run, len(fresh))
		for i, r := range fresh {
			a := r.args
			// No JobID yet: the worker fills it in (store.QueueRun).
			runs[i] = store.Run{ID: a.RunID, Command: string(a.Action), Started: r.at,
				Trigger: a.Trigger, Limit: a.Limit, Attempt: 1, Check: a.Check}
		}
		return store.QueueRunsTx(ctx, tx, runs)
	})
}

// recordDeliveries records the batch's deliveries, answers the replays
// (the first run's id, dup) and returns the requests to queue.
func recordDeliveries(ctx context.Context, tx store.Tx, batch []*request) ([]*request, error) {
	var ds []store.Delivery
	for _, r := range batch {
		r.id, r.dup = r.args.RunID, false
		if r.d != nil {
			ds = append(ds, store.Delivery{Hook: r.d.Hook, ID: r.d.ID, RunID: r.args.RunID, At: r.at})
		}
	}
	owners, err := store.RecordDeliveriesTx(ctx, tx, ds)
	if err != nil {
		return nil, err
	}
	var fresh []*request
	i := 0
	for _, r := range batch {
		if r.d != nil {
			if owner := owners[i]; owner != r.args.RunID {
				r.id, r.dup = owner, true
			}
			i++
		}
		if !r.dup {
			fresh = append(fresh, r)
		}
	}
	return fresh, nil
}
