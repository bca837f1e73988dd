package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestQueueThenCreateRun: serve queues a run in its job's transaction,
// without the job's ID (its insert does not ask River for it); a worker's
// QueueRun for the same id records the job and changes nothing else, and
// a second worker's changes nothing at all; the run that starts takes the
// queued row over, keeping what serve and the worker recorded.
func TestQueueThenCreateRun(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		q := Run{ID: "q1", Command: "sweep", Started: t0, Trigger: "schedule:nightly", Limit: "web-*", Attempt: 1}
		if err := s.InTx(ctx, func(tx *sql.Tx) error { return QueueRunsTx(ctx, s.SQLTx(tx), []Run{q}) }); err != nil {
			t.Fatal(err)
		}
		if r, err := s.Run(ctx, "q1"); err != nil || r.JobID != 0 {
			t.Fatalf("queued run before a worker took it: %+v, %v", r, err)
		}
		for _, job := range []int64{42, 43} {
			if err := s.QueueRun(ctx, Run{ID: "q1", Command: "harden", Started: t0.Add(time.Hour), Trigger: "api:x", JobID: job}); err != nil {
				t.Fatal(err)
			}
		}
		r, err := s.Run(ctx, "q1")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != StatusQueued || r.Command != "sweep" || r.Trigger != q.Trigger || r.Limit != q.Limit ||
			r.JobID != 42 || !r.Started.Equal(t0) || r.Report != nil {
			t.Errorf("queued run = %+v", r)
		}
		start := t0.Add(time.Minute)
		if err := s.CreateRun(ctx, Run{ID: "q1", Command: "sweep", Started: start, Hosts: 3, Check: true}); err != nil {
			t.Fatal(err)
		}
		r, _ = s.Run(ctx, "q1")
		if r.Status != StatusRunning || !r.Started.Equal(start) || r.Hosts != 3 || !r.Check ||
			r.Trigger != q.Trigger || r.JobID != 42 {
			t.Errorf("started run = %+v", r)
		}
		if err := s.CreateRun(ctx, Run{ID: "q1", Command: "sweep", Started: start}); err == nil {
			t.Error("CreateRun took over a running run")
		}
		// A transaction that fails leaves no queued run behind.
		boom := errors.New("boom")
		err = s.InTx(ctx, func(tx *sql.Tx) error {
			if err := QueueRunsTx(ctx, s.SQLTx(tx), []Run{{ID: "q2", Command: "sweep", Started: t0}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		if _, err := s.Run(ctx, "q2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("rolled-back queued run: Run = %v, want ErrNotFound", err)
		}
	})
}

// TestRecordResultAndHosts: a host's current verdict is its newest
// outcome; reports come back as given; runs filter by host, status and
// trigger.
func TestRecordResultAndHosts(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		fin1, fin2 := t0.Add(time.Minute), t0.Add(time.Hour+time.Minute)
		finished(t, s, Run{ID: "r1", Command: "bootstrap", Started: t0, Trigger: "schedule:a"}, fin1, "failed")
		finished(t, s, Run{ID: "r2", Command: "sweep", Started: t0.Add(time.Hour), Trigger: "schedule:b"}, fin2, "ok")
		rep1 := []byte(`{"id": "r1",  "hosts": 2}`) // spacing kept: byte for byte
		if err := s.RecordResult(ctx, "r1", rep1, []HostResult{
			{Host: "web-1", Status: "ok", Verdict: "compliant", Report: []byte(`{"host":"web-1"}`)},
			{Host: "web-2", Status: "failed", Verdict: "non-compliant", Report: []byte(`{"host":"web-2"}`)},
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordResult(ctx, "r2", []byte(`{}`), []HostResult{
			{Host: "web-1", Status: "failed", Verdict: "non-compliant", Report: []byte(`{"host":"web-1","n":2}`)},
		}); err != nil {
			t.Fatal(err)
		}
		hs, err := s.Hosts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != 2 {
			t.Fatalf("Hosts = %+v", hs)
		}
		if h := hs[0]; h.Host != "web-1" || h.RunID != "r2" || h.Action != "sweep" || h.Status != "failed" ||
			!h.Finished.Equal(fin2) || string(h.Report) != `{"host":"web-1","n":2}` {
			t.Errorf("web-1 = %+v (%s)", h, h.Report)
		}
		if h := hs[1]; h.Host != "web-2" || h.RunID != "r1" || h.Action != "bootstrap" || h.Verdict != "non-compliant" || !h.Finished.Equal(fin1) {
			t.Errorf("web-2 = %+v", h)
		}
		if r, _ := s.Run(ctx, "r1"); string(r.Report) != string(rep1) {
			t.Errorf("report %s, want %s", r.Report, rep1)
		}
		if err := s.RecordResult(ctx, "nope", []byte(`{}`), nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("RecordResult(unknown) = %v, want ErrNotFound", err)
		}
		if err := s.RecordResult(ctx, "r1", []byte(`{`), nil); err == nil || !strings.Contains(err.Error(), "report") {
			t.Errorf("RecordResult(invalid JSON) = %v", err)
		}
		for _, tc := range []struct {
			f    RunFilter
			want string
		}{
			{RunFilter{}, "r2 r1"},
			{RunFilter{Host: "web-2"}, "r1"},
			{RunFilter{Host: "web-1", Status: "ok"}, "r2"},
			{RunFilter{Trigger: "schedule:a"}, "r1"},
			{RunFilter{Limit: 1}, "r2"},
		} {
			runs, err := s.ListRuns(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := runIDs(runs); got != tc.want {
				t.Errorf("ListRuns(%+v) = %q, want %q", tc.f, got, tc.want)
			}
		}
		if r, err := s.LastRun(ctx, "schedule:b"); err != nil || r.ID != "r2" {
			t.Errorf("LastRun(schedule:b) = %s, %v", r.ID, err)
		}
		if _, err := s.LastRun(ctx, "schedule:never"); !errors.Is(err, ErrNotFound) {
			t.Errorf("LastRun(never ran) = %v, want ErrNotFound", err)
		}
	})
}

// TestInterruptRuns marks serve's running runs interrupted, and nothing
// else: not a CLI run in flight, not a queued or finished one.
func TestInterruptRuns(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		for _, r := range []Run{
			{ID: "cli", Command: "sweep", Started: t0},
			{ID: "sched", Command: "sweep", Started: t0, Trigger: "schedule:a"},
		} {
			if err := s.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.QueueRun(ctx, Run{ID: "queued", Command: "sweep", Started: t0, Trigger: "api:x"}); err != nil {
			t.Fatal(err)
		}
		finished(t, s, Run{ID: "done", Command: "sweep", Started: t0, Trigger: "api:x"}, t0.Add(time.Second), "ok")
		at := t0.Add(time.Hour)
		if n, err := s.InterruptRuns(ctx, at); err != nil || n != 1 {
			t.Fatalf("InterruptRuns = %d, %v; want 1", n, err)
		}
		want := map[string]string{"cli": StatusRunning, "sched": StatusInterrupted, "queued": StatusQueued, "done": "ok"}
		for id, status := range want {
			r, err := s.Run(ctx, id)
			if err != nil || r.Status != status {
				t.Errorf("run %s: status %q, %v; want %q", id, r.Status, err, status)
			}
			if id == "sched" && (!r.Finished.Equal(at) || r.ExitCode != 0) {
				t.Errorf("interrupted run = %+v", r)
			}
		}
	})
}

// finished creates r and finishes it at fin with status.
func finished(t *testing.T, s *DB, r Run, fin time.Time, status string) {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, r.ID, status, 0, fin); err != nil {
		t.Fatal(err)
	}
}

func runIDs(runs []Run) string {
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	return strings.Join(ids, " ")
}
