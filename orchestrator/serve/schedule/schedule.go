// Package schedule turns serve.yaml's schedules into River periodic jobs,
// and catches up on the periods missed while the daemon was down.
//
// River's periodic jobs live in memory on the elected leader: each leader
// (each start of a single serve) schedules from scratch, from the next
// fire time after it starts. So a restart never replays the fires it
// missed (no stampede), and on its own would silently lose them. CatchUp
// closes that gap from the runs table: a schedule whose newest run is
// older than its last due fire runs once at start, recorded with a
// schedule.missed event counting the periods it stands for. Uniqueness
// by period (the schedule's trigger within the cron period) keeps two
// leaders, or a catch-up and a fire, from inserting one period twice.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Cron is a parsed cron schedule (robfig/cron's Schedule).
type Cron interface{ Next(time.Time) time.Time }

// Spec is one schedule.
type Spec struct {
	Name     string
	Playbook string
	Action   action.Name
	Limit    string
	Cron     Cron
	// Period is the gap between the two fires after a time
	// (config.Schedule.Period): the uniqueness window of one fire.
	Period func(time.Time) time.Duration
	// Splay delays each run by a random 0..Splay, so that many daemons
	// (or many schedules) do not hit a fleet at the same second.
	Splay time.Duration
}

// Trigger is the runs' trigger of a schedule.
func Trigger(name string) string { return "schedule:" + name }

// Observer counts fires (metrics.Metrics implements it).
type Observer interface {
	ScheduleFired(schedule string, missed int)
}

func (s Spec) args(missed int) jobs.RunArgs {
	return jobs.RunArgs{RunID: action.NewRunID(), Action: s.Action, Playbook: s.Playbook, Limit: s.Limit,
		Trigger: Trigger(s.Name), Missed: missed}
}

func (s Spec) opts(now time.Time) *river.InsertOpts {
	o := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: s.Period(now)}}
	if s.Splay > 0 {
		o.ScheduledAt = now.Add(rand.N(s.Splay))
	}
	return o
}

// Periodic returns the River periodic jobs of specs. obs may be nil.
func Periodic(specs []Spec, obs Observer) []*river.PeriodicJob {
	out := make([]*river.PeriodicJob, 0, len(specs))
	for _, s := range specs {
		out = append(out, river.NewPeriodicJob(s.Cron, func() (river.JobArgs, *river.InsertOpts) {
			if obs != nil {
				obs.ScheduleFired(s.Name, 0)
			}
			return s.args(0), s.opts(time.Now())
		}, &river.PeriodicJobOpts{ID: Trigger(s.Name)}))
	}
	return out
}

// LastRun is the newest run of a trigger (store.Store.LastRun).
type LastRun func(ctx context.Context, trigger string) (store.Run, error)

// maxCount bounds the count of missed fires (a every-minute schedule
// down for a year is "more than maxCount").
const maxCount = 100000

// Missed counts the fires of c after last up to now.
func Missed(c Cron, last, now time.Time) int {
	n := 0
	for t := c.Next(last); !t.IsZero() && !t.After(now) && n < maxCount; t = c.Next(t) {
		n++
	}
	return n
}

// CatchUp queues one run for each schedule that missed fires while the
// daemon was down, and returns how many it queued. A schedule that never
// ran has nothing to catch up: its first run is its next fire.
func CatchUp(ctx context.Context, specs []Spec, last LastRun, insert func(context.Context, jobs.RunArgs, *river.InsertOpts) error, obs Observer, now time.Time) (int, error) {
	queued := 0
	var errs []error
	for _, s := range specs {
		run, err := last(ctx, Trigger(s.Name))
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			errs = append(errs, fmt.Errorf("schedule %s: %w", s.Name, err))
			continue
		}
		missed := Missed(s.Cron, run.Started, now)
		if missed == 0 {
			continue
		}
		if err := insert(ctx, s.args(missed), s.opts(now)); err != nil {
			errs = append(errs, fmt.Errorf("schedule %s: catching up %d missed run(s): %w", s.Name, missed, err))
			continue
		}
		if obs != nil {
			obs.ScheduleFired(s.Name, missed)
		}
		queued++
	}
	return queued, errors.Join(errs...)
}
