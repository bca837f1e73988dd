package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

func queue(t *testing.T) (*jobs.Queue, *store.DB) {
	t.Helper()
	db := jobs.MigratedStore(t)
	// Not started: inserting needs no running client, and nothing may
	// work the jobs while the test counts them.
	client, err := jobs.NewClient(db, &jobs.Env{}, jobs.ClientConfig{MaxTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return &jobs.Queue{Client: client}, db
}

// A burst is committed in shared transactions, yet each caller gets its
// own answer: replays inside one batch are duplicates of the first, a
// request that cannot be written fails alone, and a caller that gave up
// before its batch began leaves nothing behind.
func TestEnqueueGroupCommit(t *testing.T) {
	q, db := queue(t)
	ctx := context.Background()
	if err := db.CreateRun(ctx, store.Run{ID: "taken", Command: "harden", Started: time.Now()}); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()

	const n = 120
	type answer struct {
		id  string
		dup bool
		err error
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := jobs.RunArgs{Action: "sweep", Playbook: "lab", Trigger: "webhook:deploy"}
			d := &jobs.Delivery{Hook: "deploy", ID: fmt.Sprint("d-", i%100)} // 20 replays
			c := ctx
			switch i {
			case 7:
				a.RunID = "taken" // its run row cannot be written
				d.ID = "d-taken"  // and no replay may answer for it
			case 8:
				c = gone
			}
			id, dup, err := q.Enqueue(c, a, d)
			answers[i] = answer{id, dup, err}
		})
	}
	wg.Wait()

	first := map[string]string{} // delivery → run
	for i, a := range answers {
		switch {
		case i == 7 || i == 8:
			if a.err == nil {
				t.Errorf("request %d: no error, want one (run %s)", i, a.id)
			}
		case i%100 == 7 || i%100 == 8:
			// The replay of a failed request is a first delivery.
			if a.err != nil || a.dup {
				t.Errorf("replay %d of a failed request: dup %v err %v", i, a.dup, a.err)
			}
		case a.err != nil:
			t.Errorf("request %d: %v", i, a.err)
		}
		if a.err == nil {
			d := fmt.Sprint(i % 100)
			if prev, ok := first[d]; ok && prev != a.id {
				t.Errorf("delivery %s answered runs %s and %s", d, prev, a.id)
			}
			first[d] = a.id
		}
	}
	runs, err := db.ListRuns(ctx, store.RunFilter{Status: store.StatusQueued})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 100 {
		t.Errorf("%d queued runs, want 100 (one per distinct delivery)", len(runs))
	}
	var jobsN int
	if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM river_job`).Scan(&jobsN); err != nil {
		t.Fatal(err)
	}
	if jobsN != 100 {
		t.Errorf("%d River jobs, want 100", jobsN)
	}
}
