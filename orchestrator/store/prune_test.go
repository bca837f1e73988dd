package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// TestPrune deletes finished runs older than the cut, with their events
// and host rows, in batches, and keeps newer runs and unfinished ones.
func TestPrune(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		add := func(id string, started time.Time, finished bool) {
			if err := s.CreateRun(ctx, Run{ID: id, Command: "sweep", Started: started}); err != nil {
				t.Fatal(err)
			}
			ev := event.Event{Time: started, RunID: id, Host: "web-1", Seq: 1, Type: event.TypeHello, Status: event.StatusOK}
			if err := s.AppendEvents(ctx, ev); err != nil {
				t.Fatal(err)
			}
			if finished {
				if err := s.FinishRun(ctx, id, "ok", 0, started.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
				if err := s.RecordResult(ctx, id, []byte(`{}`), []HostResult{{Host: "web-1", Status: "ok", Verdict: "compliant", Report: []byte(`{}`)}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := range 5 {
			add("old-"+string(rune('a'+i)), now.Add(-40*24*time.Hour), true)
		}
		add("old-running", now.Add(-40*24*time.Hour), false)
		add("new", now.Add(-time.Hour), true)

		n, err := s.Prune(ctx, now.Add(-30*24*time.Hour), 2)
		if err != nil || n != 5 {
			t.Fatalf("Prune: %d runs, %v; want 5", n, err)
		}
		runs, _ := s.Runs(ctx, 0)
		if len(runs) != 2 {
			t.Errorf("left %d runs, want the new one and the unfinished one: %+v", len(runs), runs)
		}
		if evs, _ := s.Events(ctx, Filter{RunID: "old-a"}); len(evs) != 0 {
			t.Errorf("events of a pruned run remain: %d", len(evs))
		}
		if evs, _ := s.Events(ctx, Filter{RunID: "new"}); len(evs) != 1 {
			t.Errorf("events of the kept run: %d, want 1", len(evs))
		}
		if hs, _ := s.Hosts(ctx); len(hs) != 1 || hs[0].RunID != "new" {
			t.Errorf("hosts after prune: %+v", hs)
		}
	})
}

// TestPruneDoesNotBlockIngest prunes many old runs while a run keeps
// appending events: every append succeeds, and the slowest waits for no
// more than a batch, far less than the whole prune.
func TestPruneDoesNotBlockIngest(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		const runs, perRun, batch = 1000, 10, 10
		seedOld(t, s, runs, perRun)

		var done atomic.Bool
		type ingest struct {
			n     int64
			worst time.Duration
			err   error
		}
		got := make(chan ingest)
		started := make(chan struct{})
		go func() {
			var in ingest
			for in.n = 0; !done.Load(); {
				begin := time.Now()
				if in.err = s.AppendEvents(ctx, ev("live", "web-2", in.n+1, "step.finished")); in.err != nil {
					break
				}
				in.worst = max(in.worst, time.Since(begin))
				if in.n++; in.n == 1 {
					close(started)
				}
			}
			got <- in
		}()
		<-started
		begin := time.Now()
		n, err := s.Prune(ctx, time.Now().Add(-30*24*time.Hour), batch)
		prune := time.Since(begin)
		done.Store(true)
		in := <-got
		if err != nil || n != runs {
			t.Fatalf("Prune: %d runs, %v; want %d", n, err, runs)
		}
		if in.err != nil {
			t.Fatalf("append during the prune: %v", in.err)
		}
		t.Logf("prune of %d runs in batches of %d: %v; %d appends beside it, the slowest %v", runs, batch, prune, in.n, in.worst)
		if in.worst*2 > prune {
			t.Errorf("an append waited %v, as long as half the whole prune (%v): the prune blocks ingest", in.worst, prune)
		}
		if last, _ := s.LastSeq(ctx, "live", "web-2"); last != in.n {
			t.Errorf("live run: LastSeq %d, want %d", last, in.n)
		}
	})
}

// seedOld stores runs finished runs 40 days old with perRun events each,
// in one transaction per table (a thousand runs in a second).
func seedOld(t *testing.T, s *DB, runs, perRun int) {
	t.Helper()
	ctx := context.Background()
	old := time.Now().UTC().Add(-40 * 24 * time.Hour)
	var evs []event.Event
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		for i := range runs {
			id := fmt.Sprint("old-", i)
			r := Run{ID: id, Command: "sweep", Started: old, Finished: old.Add(time.Minute), Status: "ok"}
			if err := insertRun(ctx, s.SQLTx(tx), r, insertOnly); err != nil {
				return err
			}
			for j := range perRun {
				evs = append(evs, ev(id, "web-1", int64(j+1), "step.finished"))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvents(ctx, evs...); err != nil {
		t.Fatal(err)
	}
}
