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
