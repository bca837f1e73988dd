package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// A burst's deliveries in one statement: each answers its own run when
// new, the first run's when seen before or earlier in the same burst.
func TestRecordDeliveriesTx(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		write := func(ds []Delivery) (out []string, err error) {
			err = s.InTx(ctx, func(tx *sql.Tx) error {
				out, err = RecordDeliveriesTx(ctx, s.SQLTx(tx), ds)
				return err
			})
			return out, err
		}
		if _, err := write([]Delivery{{Hook: "gh", ID: "d1", RunID: "r1", At: t0}}); err != nil {
			t.Fatal(err)
		}
		got, err := write([]Delivery{
			{Hook: "gh", ID: "d1", RunID: "r2", At: t0}, // seen before
			{Hook: "gh", ID: "d2", RunID: "r3", At: t0}, // new
			{Hook: "gh", ID: "d2", RunID: "r4", At: t0}, // earlier in this burst
			{Hook: "ci", ID: "d1", RunID: "r5", At: t0}, // another hook's d1
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"r1", "r3", "r3", "r5"}; !slices.Equal(got, want) {
			t.Errorf("runs %v, want %v", got, want)
		}
	})
}

// Queued runs in one transaction; an existing ID fails it (the daemon
// then retries the burst one request at a time).
func TestQueueRunsTx(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		queue := func(runs ...Run) error {
			return s.InTx(ctx, func(tx *sql.Tx) error { return QueueRunsTx(ctx, s.SQLTx(tx), runs) })
		}
		a := Run{ID: "a", Command: "sweep", Started: t0, Trigger: "webhook:gh", JobID: 7, Attempt: 1}
		b := Run{ID: "b", Command: "harden", Started: t0, Trigger: "api:ops", Limit: "web-*", JobID: 8, Attempt: 1, Check: true}
		if err := queue(a, b); err != nil {
			t.Fatal(err)
		}
		got, err := s.Run(ctx, "b")
		if err != nil || got.Status != StatusQueued || got.JobID != 8 || got.Limit != "web-*" || !got.Check || got.Trigger != "api:ops" {
			t.Errorf("run b = %+v, %v", got, err)
		}
		if err := queue(Run{ID: "c", Command: "sweep", Started: t0}, a); err == nil {
			t.Error("queueing an existing ID succeeded")
		}
		if _, err := s.Run(ctx, "c"); err == nil {
			t.Error("run c was written by a failed statement")
		}
	})
}

// Bursts of every size the group commit hands over, across the prepared
// statements' row counts (64, 16, 4, 1): every delivery answers the right
// run (its own, or the first run's for a replay of an earlier burst or of
// one earlier in this burst), every run is stored queued, and a burst
// with one existing run ID stores none of its runs.
func TestBatchesOfEverySize(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		var prev []Delivery
		var prevWant []string
		for round, n := range []int{1, 3, 4, 5, 17, 63, 64, 65, 85, 200, 256} {
			var ds []Delivery
			var want []string
			var runs []Run
			for i := range n {
				switch {
				case i%7 == 3 && len(prev) > 0: // a replay of the previous burst
					p := prev[i%len(prev)]
					ds = append(ds, Delivery{Hook: p.Hook, ID: p.ID, RunID: fmt.Sprintf("x%d-%d", round, i), At: t0})
					want = append(want, prevWant[i%len(prev)])
				case i%7 == 5: // a replay of one earlier in this burst
					ds = append(ds, Delivery{Hook: ds[i-1].Hook, ID: ds[i-1].ID, RunID: fmt.Sprintf("x%d-%d", round, i), At: t0})
					want = append(want, want[i-1])
				default:
					id := fmt.Sprintf("r%d-%d", round, i)
					ds = append(ds, Delivery{Hook: "gh", ID: fmt.Sprintf("d%d-%d", round, i), RunID: id, At: t0})
					want = append(want, id)
					runs = append(runs, Run{ID: id, Command: "sweep", Started: t0, Trigger: "webhook:gh", Attempt: 1})
				}
			}
			var got []string
			err := s.InTx(ctx, func(tx *sql.Tx) (err error) {
				if got, err = RecordDeliveriesTx(ctx, s.SQLTx(tx), ds); err != nil {
					return err
				}
				return QueueRunsTx(ctx, s.SQLTx(tx), runs)
			})
			if err != nil {
				t.Fatalf("burst of %d: %v", n, err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("burst of %d: runs %v, want %v", n, got, want)
			}
			for _, r := range runs {
				if got, err := s.Run(ctx, r.ID); err != nil || got.Status != StatusQueued || got.Trigger != r.Trigger {
					t.Fatalf("burst of %d: run %s = %+v, %v", n, r.ID, got, err)
				}
			}
			prev, prevWant = ds, want
		}
		// 85 runs, the last an existing ID: the transaction fails whole.
		var runs []Run
		for i := range 84 {
			runs = append(runs, Run{ID: fmt.Sprintf("f%d", i), Command: "sweep", Started: t0})
		}
		runs = append(runs, Run{ID: "r0-0", Command: "sweep", Started: t0})
		err := s.InTx(ctx, func(tx *sql.Tx) error { return QueueRunsTx(ctx, s.SQLTx(tx), runs) })
		if err == nil {
			t.Fatal("queueing an existing ID in a burst of 85 succeeded")
		}
		for _, r := range runs[:84] {
			if _, err := s.Run(ctx, r.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("run %s of a failed burst: %v, want ErrNotFound", r.ID, err)
			}
		}
	})
}
