package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// TestEventsEscapesHostText: an event message (the host's words) holding a
// terminal escape sequence and a CR is printed escaped by `events`, never
// raw; -o json keeps the exact text, JSON-escaped.
func TestEventsEscapesHostText(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db")
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	evil := "\x1b]0;pwned\a\rall good"
	now := time.Now().UTC()
	if err := s.CreateRun(t.Context(), store.Run{ID: "run-1", Command: "harden", Started: now, Hosts: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvents(t.Context(), event.Event{Time: now, RunID: "run-1", Host: "h\x1b[2J", Seq: 1, Type: "step.finished", Step: "firewall", Status: event.StatusFailed, Message: evil}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	r := ck8sctl(t, "events", "--db", db)
	if r.code != ExitOK || strings.ContainsAny(r.stdout+r.stderr, "\x1b\a\r") {
		t.Fatalf("exit %d, raw control characters in the output:\n%q\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{`\x1b]0;pwned\a\rall good`, `h\x1b[2J`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	j := ck8sctl(t, "events", "--db", db, "-o", "json")
	if !strings.Contains(j.stdout, `\u001b]0;pwned\u0007\rall good`) {
		t.Errorf("json output: %s", j.stdout)
	}
}
