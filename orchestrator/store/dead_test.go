package store

import (
	"context"
	"testing"
	"time"
)

// A CLI run still "running" whose owner is gone becomes interrupted;
// live owners, finished runs and serve's runs are left alone.
func TestInterruptDead(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		runs := []Run{
			{ID: "dead", Owner: "gone"},
			{ID: "live", Owner: "here"},
			{ID: "old", Owner: ""},                               // before owners were recorded
			{ID: "served", Owner: "gone", Trigger: "webhook:gh"}, // River's to rescue
			{ID: "done", Owner: "gone", Status: "ok", Finished: t0.Add(time.Minute)},
		}
		for _, r := range runs {
			r.Command, r.Started = "harden", t0
			if err := s.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.InterruptDead(ctx, func(owner string) bool { return owner != "gone" }, t0.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("InterruptDead = %d, %v; want 1", n, err)
		}
		want := map[string]string{"dead": StatusInterrupted, "live": StatusRunning, "old": StatusRunning,
			"served": StatusRunning, "done": "ok"}
		for id, st := range want {
			r, err := s.Run(ctx, id)
			if err != nil || r.Status != st {
				t.Errorf("run %s: %q, %v; want %q", id, r.Status, err, st)
			}
		}
	})
}

// FinishOwned ends only the running runs of that one owner.
func TestFinishOwned(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		runs := []Run{
			{ID: "mine", Owner: "crashed"},
			{ID: "mine-done", Owner: "crashed", Status: "ok", Finished: t0.Add(time.Minute)},
			{ID: "other", Owner: "alive"},
			{ID: "nobody", Owner: ""},
		}
		for _, r := range runs {
			r.Command, r.Started = "harden", t0
			if err := s.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.FinishOwned(ctx, "", "failed", 5, t0); err != nil || n != 0 {
			t.Fatalf("FinishOwned of no owner = %d, %v; want 0", n, err)
		}
		n, err := s.FinishOwned(ctx, "crashed", "failed", 5, t0.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("FinishOwned = %d, %v; want 1", n, err)
		}
		want := map[string]string{"mine": "failed", "mine-done": "ok", "other": StatusRunning, "nobody": StatusRunning}
		for id, st := range want {
			r, err := s.Run(ctx, id)
			if err != nil || r.Status != st {
				t.Errorf("run %s: %q, %v; want %q", id, r.Status, err, st)
			}
		}
		if r, _ := s.Run(ctx, "mine"); r.ExitCode != 5 || !r.Finished.Equal(t0.Add(time.Hour)) {
			t.Errorf("crashed run: exit %d, finished %v; want 5 at %v", r.ExitCode, r.Finished, t0.Add(time.Hour))
		}
	})
}
