package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// An attempt River works again after a stopping serve cancelled it: a
// sweep runs beside the interrupted run under a fresh ID, a changing
// action is cancelled, a run still queued is simply this attempt's.
func TestHandedBack(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := &Env{Store: db}
	now := time.Now()
	if err := db.QueueRun(ctx, store.Run{ID: "q", Command: "harden", Started: now}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"x", "x.r2"} {
		if err := db.CreateRun(ctx, store.Run{ID: id, Command: "sweep", Started: now, Status: store.StatusInterrupted}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		act     action.Name
		id      string
		want    string
		cancels bool
	}{
		{action.Harden, "new", "new", false},
		{action.Harden, "q", "q", false},
		{action.Sweep, "x", "x.r3", false},
		{action.Harden, "x", "", true},
	}
	for _, c := range cases {
		got, err := e.handedBack(ctx, RunArgs{Action: c.act}, c.id)
		var ce *rivertype.JobCancelError
		if got != c.want || errors.As(err, &ce) != c.cancels || (err != nil) != c.cancels {
			t.Errorf("handedBack(%s, %s) = %q, %v; want %q, cancel %t", c.act, c.id, got, err, c.want, c.cancels)
		}
	}
}
