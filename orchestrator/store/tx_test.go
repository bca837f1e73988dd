package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ck8s/ck8sctl/internal/event"
)

// TestRecordDelivery: a delivery becomes one run for ever; a replay
// answers the first run's id; a rolled-back delivery was never seen.
func TestRecordDelivery(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		record := func(hook, id, run string) (string, bool) {
			t.Helper()
			var first string
			var dup bool
			err := s.InTx(ctx, func(tx *sql.Tx) (err error) {
				first, dup, err = recordDelivery(ctx, s.SQLTx(tx), hook, id, run)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return first, dup
		}
		if first, dup := record("gh", "d1", "run-a"); first != "run-a" || dup {
			t.Errorf("first delivery = %s, %t", first, dup)
		}
		if first, dup := record("gh", "d1", "run-b"); first != "run-a" || !dup {
			t.Errorf("replay = %s, %t; want run-a, dup", first, dup)
		}
		if first, dup := record("gitea", "d1", "run-c"); first != "run-c" || dup {
			t.Errorf("same id, other hook = %s, %t", first, dup)
		}
		_ = s.InTx(ctx, func(tx *sql.Tx) error {
			if _, _, err := recordDelivery(ctx, s.SQLTx(tx), "gh", "d2", "run-d"); err != nil {
				t.Fatal(err)
			}
			return errors.New("rolled back")
		})
		if first, dup := record("gh", "d2", "run-e"); first != "run-e" || dup {
			t.Errorf("after a rollback = %s, %t; want a first delivery", first, dup)
		}
	})
}

// TestPgxTx: in a pgx transaction (River's PostgreSQL driver hands one
// over) the delivery and the queued run commit together, and a concurrent
// replay of the delivery waits for that commit, then answers dup.
func TestPgxTx(t *testing.T) {
	s := openAt(t, backends[1].target(t))
	ctx := context.Background()
	tx1, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	if first, dup, err := recordDelivery(ctx, PgxTx(tx1), "gh", "d1", "run-a"); err != nil || dup || first != "run-a" {
		t.Fatalf("RecordDeliveriesTx = %s, %t, %v", first, dup, err)
	}
	if err := QueueRunsTx(ctx, PgxTx(tx1), []Run{{ID: "run-a", Command: "sweep", Started: t0, Trigger: "webhook:gh"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(ctx, "run-a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the run is visible before the commit: %v", err)
	}

	type answer struct {
		first string
		dup   bool
		err   error
	}
	replay := make(chan answer, 1)
	go func() {
		var a answer
		a.err = pgx.BeginFunc(ctx, s.Pool(), func(tx2 pgx.Tx) (err error) {
			a.first, a.dup, err = recordDelivery(ctx, PgxTx(tx2), "gh", "d1", "run-b")
			return err
		})
		replay <- a
	}()
	select {
	case a := <-replay:
		t.Fatalf("the replay did not wait for the first delivery's transaction: %+v", a)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if a := <-replay; a.err != nil || !a.dup || a.first != "run-a" {
		t.Errorf("replay = %+v; want run-a, dup", a)
	}
	if r, err := s.Run(ctx, "run-a"); err != nil || r.Status != StatusQueued || r.Trigger != "webhook:gh" {
		t.Errorf("queued run = %+v, %v", r, err)
	}
}

// TestEventsAfter pages through a run's events in store order.
func TestEventsAfter(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		if err := s.AppendEvents(ctx, ev("r1", "b", 5, "step.started"), ev("r2", "a", 1, "step.started"),
			ev("r1", "a", 1, "step.started"), ev("r1", "a", 2, "step.finished")); err != nil {
			t.Fatal(err)
		}
		all, err := s.EventsAfter(ctx, "r1", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := storedKeys(all); got != "r1/b/5 r1/a/1 r1/a/2" {
			t.Fatalf("EventsAfter(r1, 0) = %q, in store order", got)
		}
		page, err := s.EventsAfter(ctx, "r1", all[0].ID, 1)
		if err != nil || len(page) != 1 || page[0].ID != all[1].ID {
			t.Errorf("EventsAfter(r1, first, 1) = %+v, %v", page, err)
		}
		if rest, _ := s.EventsAfter(ctx, "r1", all[2].ID, 0); len(rest) != 0 {
			t.Errorf("after the last: %+v", rest)
		}
	})
}

// TestEventsAfterTailMissesNothing follows a run as hosts append to it
// concurrently, as the SSE stream does (resuming after the last id it
// sent): it must see every event, once. On PostgreSQL that needs ids to
// follow commit order within a run (AppendEvents' per-run lock).
func TestEventsAfterTailMissesNothing(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		const hosts, per = 4, 60
		var wg sync.WaitGroup
		for h := range hosts {
			wg.Go(func() {
				for seq := int64(1); seq <= per; seq += 2 { // two events a batch
					host := fmt.Sprint("host-", h)
					if err := s.AppendEvents(ctx, ev("run", host, seq, "step.started"), ev("run", host, seq+1, "step.finished")); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		writing := make(chan struct{})
		go func() { wg.Wait(); close(writing) }()
		seen := map[string]int{}
		var after int64
		for done := false; !done; {
			select {
			case <-writing:
				done = true // one more read below sees the last commits
			default:
			}
			evs, err := s.EventsAfter(ctx, "run", after, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				seen[fmt.Sprintf("%s/%d", e.Host, e.Seq)]++
				after = e.ID
			}
		}
		if len(seen) != hosts*per {
			t.Errorf("the tail saw %d events, want %d", len(seen), hosts*per)
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%s seen %d times", k, n)
			}
		}
	})
}

func storedKeys(st []Stored) string {
	evs := make([]event.Event, len(st))
	for i := range st {
		evs[i] = st[i].Event
	}
	return keys(evs)
}

// recordDelivery records one delivery: the first run's id, and whether
// the delivery was seen before.
func recordDelivery(ctx context.Context, tx Tx, hook, id, run string) (string, bool, error) {
	owners, err := RecordDeliveriesTx(ctx, tx, []Delivery{{Hook: hook, ID: id, RunID: run, At: t0}})
	if err != nil {
		return "", false, err
	}
	return owners[0], owners[0] != run, nil
}
