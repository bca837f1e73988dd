package store

import (
	"context"
	"database/sql"
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

// Queued runs in one statement; an existing ID fails the statement (the
// daemon then retries the burst one request at a time).
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
