package serve_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// The retention is River's periodic job, run when a leader starts: a
// finished run older than the retention is gone soon after serve starts,
// a recent one stays.
func TestRetentionPrunesWhenLeading(t *testing.T) {
	srv, path := newServer(t, writeConfig(t, offlinePlaybook, "retention: 24h\n"), io.Discard)
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old, recent := time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)
	for id, at := range map[string]time.Time{"old": old, "recent": recent} {
		if err := db.CreateRun(ctx, store.Run{ID: id, Command: "sweep", Started: at, Finished: at.Add(time.Minute), Status: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	running(t, srv)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, err := db.Run(ctx, "old"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a run past the retention is still there 30s after serve started")
		}
	}
	if _, err := db.Run(ctx, "recent"); err != nil {
		t.Errorf("a run within the retention was pruned: %v", err)
	}
}
