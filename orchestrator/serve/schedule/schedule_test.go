package schedule

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/robfig/cron/v3"

	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

func mustCron(t *testing.T, spec string) Cron {
	t.Helper()
	c, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCatchUp: a schedule whose newest run is older than its last due
// fire gets exactly one catch-up run carrying the count of missed fires;
// one that ran in its current period, or never ran, gets none.
func TestCatchUp(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 30, 0, 0, time.UTC)
	hourly := mustCron(t, "@hourly")
	hour := func(time.Time) time.Duration { return time.Hour }
	specs := []Spec{
		{Name: "down-3h", Playbook: "staging", Action: "sweep", Cron: hourly, Period: hour, Splay: time.Minute},
		{Name: "fresh", Playbook: "staging", Action: "sweep", Cron: hourly, Period: hour},
		{Name: "never", Playbook: "staging", Action: "sweep", Cron: hourly, Period: hour},
	}
	last := map[string]time.Time{
		Trigger("down-3h"): now.Add(-3*time.Hour - 10*time.Minute), // 07:20: missed 08, 09, 10
		Trigger("fresh"):   now.Add(-20 * time.Minute),             // 10:10: nothing due
	}
	lastRun := func(_ context.Context, trigger string) (store.Run, error) {
		at, ok := last[trigger]
		if !ok {
			return store.Run{}, store.ErrNotFound
		}
		return store.Run{ID: "r", Started: at}, nil
	}
	var got []jobs.RunArgs
	var opts []*river.InsertOpts
	insert := func(_ context.Context, a jobs.RunArgs, o *river.InsertOpts) error {
		got, opts = append(got, a), append(opts, o)
		return nil
	}
	n, err := CatchUp(context.Background(), specs, lastRun, insert, nil, now)
	if err != nil || n != 1 || len(got) != 1 {
		t.Fatalf("CatchUp: %d queued, %v, %+v", n, err, got)
	}
	a, o := got[0], opts[0]
	if a.Trigger != "schedule:down-3h" || a.Missed != 3 || a.RunID == "" || a.Action != "sweep" {
		t.Errorf("catch-up run %+v, want schedule:down-3h with 3 missed", a)
	}
	if !o.UniqueOpts.ByArgs || o.UniqueOpts.ByPeriod != time.Hour {
		t.Errorf("catch-up unique opts %+v, want by args within the hour", o.UniqueOpts)
	}
	if o.ScheduledAt.Before(now) || o.ScheduledAt.After(now.Add(time.Minute)) {
		t.Errorf("splayed start %s, want within a minute of %s", o.ScheduledAt, now)
	}
}

func TestMissed(t *testing.T) {
	at := time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)
	nightly := mustCron(t, "30 2 * * *")
	for _, tc := range []struct {
		last time.Time
		want int
	}{
		{at.Add(-time.Hour), 0},            // 01:00 → next 02:30, after now
		{at.Add(-24 * time.Hour), 1},       // yesterday 02:00 → yesterday 02:30
		{at.Add(-10 * 24 * time.Hour), 10}, // ten nights
		// Long ago: every night from 2000-01-01 02:30 to 2026-12-01 02:30.
		{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), int(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Hours()/24) + 1},
	} {
		if got := Missed(nightly, tc.last, at); got != tc.want {
			t.Errorf("Missed(last %s) = %d, want %d", tc.last, got, tc.want)
		}
	}
}
