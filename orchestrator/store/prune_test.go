package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// TestPrune deletes finished runs older than the cut, with their events
// and host rows, in batches, and keeps newer runs and unfinished ones.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "ck8s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
}
