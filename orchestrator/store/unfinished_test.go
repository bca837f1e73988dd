package store

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// Unfinished lists, newest first, the interrupted runs with events of the
// host that no journal.imported closed yet.
func TestUnfinished(t *testing.T) { each(t, testUnfinished) }

func testUnfinished(t *testing.T, s *DB) {
	ctx := context.Background()
	runs := []struct {
		id     string
		status string
		events map[string]int64 // host → events stored
	}{
		{"old", StatusInterrupted, map[string]int64{"a": 4, "b": 2}},
		{"new", StatusInterrupted, map[string]int64{"a": 7}},
		{"done", "ok", map[string]int64{"a": 9}},
		{"live", StatusRunning, map[string]int64{"a": 3}},
		{"closed", StatusInterrupted, map[string]int64{"a": 5}},
	}
	for i, r := range runs {
		if err := s.CreateRun(ctx, Run{ID: r.id, Command: "harden", Started: t0.Add(time.Duration(i) * time.Hour), Status: r.status}); err != nil {
			t.Fatal(err)
		}
		for host, n := range r.events {
			for seq := int64(1); seq <= n; seq++ {
				if err := s.AppendEvents(ctx, ev(r.id, host, seq, "step.started")); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := s.AppendEvents(ctx, ev("closed", "a", 6, typeJournalImported)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Unfinished(ctx, "a", 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Unfinished{{"new", 7}, {"old", 4}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Unfinished(a) = %v, want %v", got, want)
	}
	if got, _ := s.Unfinished(ctx, "a", 1); len(got) != 1 || got[0].RunID != "new" {
		t.Errorf("Unfinished(a, limit 1) = %v, want the newest only", got)
	}
	if got, _ := s.Unfinished(ctx, "b", 10); !reflect.DeepEqual(got, []Unfinished{{"old", 2}}) {
		t.Errorf("Unfinished(b) = %v", got)
	}
	if got, _ := s.Unfinished(ctx, "c", 10); len(got) != 0 {
		t.Errorf("Unfinished(c) = %v, want none", got)
	}
}

// TestUnfinishedWithoutEvents: a run killed before any event of a host
// was stored is still that host's unfinished run (it targeted it), with
// LastSeq 0, so its whole journal is imported; a host it did not target
// is not asked; journal.imported closes it; pruning drops its targets.
func TestUnfinishedWithoutEvents(t *testing.T) { each(t, testUnfinishedWithoutEvents) }

func testUnfinishedWithoutEvents(t *testing.T, s *DB) {
	ctx := context.Background()
	if err := s.CreateRun(ctx, Run{ID: "cut", Command: "harden", Started: t0, Targets: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvents(ctx, ev("cut", "b", 1, "agent.hello")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Unfinished(ctx, "a", 10); len(got) != 0 {
		t.Fatalf("Unfinished(a) of a running run = %v, want none", got)
	}
	if err := s.FinishRun(ctx, "cut", StatusInterrupted, 0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string][]Unfinished{"a": {{"cut", 0}}, "b": {{"cut", 1}}, "c": nil} {
		if got, err := s.Unfinished(ctx, host, 10); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Unfinished(%s) = %v, %v; want %v", host, got, err, want)
		}
	}
	if err := s.AppendEvents(ctx, ev("cut", "a", 1, typeJournalImported)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Unfinished(ctx, "a", 10); len(got) != 0 {
		t.Errorf("Unfinished(a) after journal.imported = %v, want none", got)
	}
	if n, err := s.Prune(ctx, t0.Add(time.Hour), 10); err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want the run", n, err)
	}
	var left int
	if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM run_targets").Scan(&left); err != nil || left != 0 {
		t.Errorf("run_targets rows after the prune: %d, %v; want 0", left, err)
	}
}
