package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// ev is a valid event whose time follows from seq, so order is predictable.
func ev(run, host string, seq int64, typ string) event.Event {
	return event.Event{
		Time: t0.Add(time.Duration(seq) * time.Millisecond), RunID: run, Host: host,
		Seq: seq, Type: typ, Status: event.StatusOK,
	}
}

func TestEventsFilters(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		err := s.AppendEvents(ctx,
			ev("r1", "a", 1, "step.started"),
			ev("r1", "a", 2, "step.finished"),
			ev("r1", "b", 1, "step.started"),
			ev("r2", "a", 3, "step.started"),
			ev("r2", "b", 4, "facts.collected"),
		)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			f    Filter
			want string
		}{
			{"all", Filter{}, "r1/a/1 r1/b/1 r1/a/2 r2/a/3 r2/b/4"},
			{"run", Filter{RunID: "r1"}, "r1/a/1 r1/b/1 r1/a/2"},
			{"host", Filter{Host: "b"}, "r1/b/1 r2/b/4"},
			{"type", Filter{Type: "step.started"}, "r1/a/1 r1/b/1 r2/a/3"},
			{"since inclusive", Filter{Since: t0.Add(2 * time.Millisecond)}, "r1/a/2 r2/a/3 r2/b/4"},
			{"run+host", Filter{RunID: "r2", Host: "a"}, "r2/a/3"},
			{"type+since", Filter{Type: "step.started", Since: t0.Add(2 * time.Millisecond)}, "r2/a/3"},
			{"limit", Filter{Limit: 2}, "r1/a/1 r1/b/1"},
			{"none", Filter{RunID: "nope"}, ""},
		} {
			got, err := s.Events(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if k := keys(got); k != tc.want {
				t.Errorf("%s: Events(%+v) = %q, want %q", tc.name, tc.f, k, tc.want)
			}
		}
	})
}

func keys(evs []event.Event) string {
	var k []string
	for _, e := range evs {
		k = append(k, fmt.Sprintf("%s/%s/%d", e.RunID, e.Host, e.Seq))
	}
	return strings.Join(k, " ")
}

func TestAppendDuplicateIgnored(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		first := ev("r1", "a", 1, "step.started")
		first.Message = "first"
		if err := s.AppendEvents(ctx, first, ev("r1", "a", 2, "step.finished")); err != nil {
			t.Fatal(err)
		}
		again := first
		again.Message = "resent"
		// A resend after a reconnect overlaps what is stored and adds seq 3.
		if err := s.AppendEvents(ctx, again, ev("r1", "a", 2, "step.finished"), ev("r1", "a", 3, "step.started")); err != nil {
			t.Fatal(err)
		}
		got, err := s.Events(ctx, Filter{RunID: "r1"})
		if err != nil {
			t.Fatal(err)
		}
		if k := keys(got); k != "r1/a/1 r1/a/2 r1/a/3" {
			t.Fatalf("events = %q", k)
		}
		if got[0].Message != "first" {
			t.Errorf("duplicate overwrote the stored event: message %q", got[0].Message)
		}
	})
}

func TestAppendRejectsInvalidBatch(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		bad := ev("r1", "a", 2, "step.started")
		bad.Data = json.RawMessage(`{"x":`)
		err := s.AppendEvents(ctx, ev("r1", "a", 1, "step.started"), bad)
		if err == nil || !strings.Contains(err.Error(), `field "data"`) {
			t.Fatalf("err = %v, want a data error", err)
		}
		if n, _ := s.LastSeq(ctx, "r1", "a"); n != 0 {
			t.Errorf("a rejected batch stored events up to seq %d", n)
		}
	})
}

func TestAppendConcurrent(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		const hosts, per = 8, 250
		var wg sync.WaitGroup
		errs := make(chan error, hosts)
		for h := range hosts {
			wg.Go(func() {
				for seq := int64(1); seq <= per; seq++ {
					if err := s.AppendEvents(ctx, ev("run", fmt.Sprint("host-", h), seq, "step.finished")); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err) // SQLITE_BUSY would land here
		}
		got, err := s.Events(ctx, Filter{RunID: "run"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != hosts*per {
			t.Fatalf("stored %d events, want %d", len(got), hosts*per)
		}
		for h := range hosts {
			if n, _ := s.LastSeq(ctx, "run", fmt.Sprint("host-", h)); n != per {
				t.Errorf("host-%d: LastSeq = %d, want %d", h, n, per)
			}
		}
	})
}

func TestLastSeq(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		if n, err := s.LastSeq(ctx, "r1", "a"); err != nil || n != 0 {
			t.Fatalf("empty: LastSeq = %d, %v", n, err)
		}
		// Out of order, with a gap: LastSeq is the highest stored, not a count.
		if err := s.AppendEvents(ctx, ev("r1", "a", 7, "step.started"), ev("r1", "a", 2, "step.started"), ev("r1", "b", 9, "step.started")); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.LastSeq(ctx, "r1", "a"); n != 7 {
			t.Errorf("LastSeq(r1, a) = %d, want 7", n)
		}
	})
}

// TestEventRoundTrip: what is stored comes back as it was given, its data
// byte for byte; the time in UTC, to the backend's precision (PostgreSQL
// keeps microseconds).
func TestEventRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		in := event.Event{
			Time:  time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600)),
			RunID: "r1", Host: "staging-1", Seq: 1, Type: event.TypeFactsCollected,
			Step: "facts", Status: event.StatusChanged, Message: "collected ✓",
			Data: json.RawMessage(`{"kernel":"6.1", "ips":["203.0.113.10"],"n":1.5,"nested":{"ok":true}}`),
		}
		noData := ev("r1", "staging-1", 2, "step.started")
		if err := s.AppendEvents(ctx, in, noData); err != nil {
			t.Fatal(err)
		}
		got, err := s.Events(ctx, Filter{RunID: "r1"})
		if err != nil || len(got) != 2 {
			t.Fatalf("Events = %d events, %v", len(got), err)
		}
		out := got[0]
		want := in.Time
		if s.Dialect() == "postgres" {
			want = want.Truncate(time.Microsecond)
		}
		if !out.Time.Equal(want) || out.Time.Location() != time.UTC {
			t.Errorf("time %v, want %v in UTC", out.Time, want)
		}
		if string(out.Data) != string(in.Data) {
			t.Errorf("data %s, want %s byte for byte", out.Data, in.Data)
		}
		out.Time = in.Time
		if a, b := mustJSON(t, in), mustJSON(t, out); a != b {
			t.Errorf("round trip:\n got %s\nwant %s", b, a)
		}
		if got[1].Data != nil {
			t.Errorf("event without data came back with %q", got[1].Data)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
