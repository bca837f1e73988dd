package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/pgtest"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// TestEventsPostgres: `ck8sctl events --db postgres://...` reads what a
// run stored in PostgreSQL, and CK8S_DB selects the store the same way.
func TestEventsPostgres(t *testing.T) {
	dsn := pgtest.Start(t).NewDatabase(t)
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Minute)
	if err := s.CreateRun(ctx, store.Run{ID: "run-pg", Command: "sweep", Started: at}); err != nil {
		t.Fatal(err)
	}
	err = s.AppendEvents(ctx,
		event.Event{Time: at, RunID: "run-pg", Host: "web-1", Seq: 1, Type: event.TypeHello, Status: event.StatusOK},
		event.Event{Time: at.Add(time.Second), RunID: "run-pg", Host: "web-1", Seq: 2, Type: event.TypeFactsCollected,
			Status: event.StatusOK, Data: json.RawMessage(`{"kernel":"6.1"}`)})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}

	r := ck8sctl(t, "events", "--db", dsn, "--run", "last", "--type", event.TypeFactsCollected, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var got event.Event
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if got.RunID != "run-pg" || got.Seq != 2 || string(got.Data) != `{"kernel":"6.1"}` {
		t.Errorf("events -o json = %s", r.stdout)
	}

	t.Setenv("CK8S_DB", dsn)
	r = ck8sctl(t, "events", "--run", "run-pg")
	if r.code != ExitOK || strings.Count(r.stdout, "web-1") != 2 {
		t.Errorf("events with CK8S_DB: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
