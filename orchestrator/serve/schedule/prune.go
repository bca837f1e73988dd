package schedule

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// PruneArgs is the retention's periodic job: River's leader inserts it,
// so that with several replicas one of them prunes, not each.
type PruneArgs struct{}

// Kind implements river.JobArgs.
func (PruneArgs) Kind() string { return "ck8s_prune" }

// InsertOpts: one prune per period, not retried (the next one comes).
func (PruneArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: PruneEvery}}
}

// PruneEvery is how often runs past the retention are deleted.
const PruneEvery = time.Hour

// PruneWorker deletes what is past the retention.
type PruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	Prune func(context.Context) error
}

// Work prunes.
func (w *PruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error { return w.Prune(ctx) }

// Prune is the retention's periodic job, run when a leader starts too.
func Prune() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(PruneEvery), func() (river.JobArgs, *river.InsertOpts) {
		return PruneArgs{}, nil
	}, &river.PeriodicJobOpts{ID: "ck8s_prune", RunOnStart: true})
}
