package schedule

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// HeartbeatArgs is a tiny periodic job: when it is worked, the leader's
// periodic scheduler inserted it and a worker picked it up, which is
// what "the scheduler is running" means for /readyz and for the
// scheduler-stalled alert.
type HeartbeatArgs struct{}

// Kind implements river.JobArgs.
func (HeartbeatArgs) Kind() string { return "ck8s_heartbeat" }

// InsertOpts: one heartbeat at a time, never retried (the next one comes).
func (HeartbeatArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: HeartbeatEvery}}
}

// HeartbeatEvery is the heartbeat's period.
const HeartbeatEvery = 30 * time.Second

// HeartbeatWorker calls Tick with the time each heartbeat is worked.
type HeartbeatWorker struct {
	river.WorkerDefaults[HeartbeatArgs]
	Tick func(context.Context, time.Time) error
}

// Work records the beat.
func (w *HeartbeatWorker) Work(ctx context.Context, _ *river.Job[HeartbeatArgs]) error {
	return w.Tick(ctx, time.Now())
}

// Heartbeat is the heartbeat's periodic job, run at start too.
func Heartbeat() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(HeartbeatEvery), func() (river.JobArgs, *river.InsertOpts) {
		return HeartbeatArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "ck8s_heartbeat", RunOnStart: true})
}
