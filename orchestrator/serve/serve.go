// Package serve is the `ck8sctl serve` daemon: River works the runs that
// schedules, signed webhooks and the API queue (package jobs), and one
// HTTP server answers the webhooks, the API, the status page, health and
// metrics. Every run it starts is the run the CLI starts (action.Prepare
// and Run), recorded in the same store.
//
// With SQLite (the default) one serve owns its database file: runs found
// "running" at start were cut by the previous process's death and are
// marked interrupted; River rescues their jobs after the rescue delay.
package serve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"riverqueue.com/riverui"

	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/serve/config"
	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/serve/metrics"
	"github.com/ck8s/ck8sctl/orchestrator/serve/schedule"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Options are what the command line adds to serve.yaml.
type Options struct {
	// DB is the store's path (the --db flag, else serve.yaml's db:).
	DB string
	// Log is the daemon's log handler, before the daemon's redactor.
	Log slog.Handler
	// Workers bounds the runs worked at once (default DefaultWorkers).
	Workers int
}

// DefaultWorkers bounds concurrent runs: each already works forks hosts
// in parallel, and two runs never work one host at once (the host lock).
const DefaultWorkers = 4

// Server is a configured daemon, its store open and migrated.
type Server struct {
	cfg     *config.Config
	log     *slog.Logger
	db      *store.DB
	env     *jobs.Env
	client  jobs.Client
	queue   *jobs.Queue
	metrics *metrics.Metrics
	specs   []schedule.Spec
	handler http.Handler
	// riverUI is River's web UI; Run starts its background queries.
	riverUI *riverui.Handler
	started time.Time
	id      string // this replica, as River and the heartbeat name it
	// lastBeat is the unix nanoseconds of the newest heartbeat.
	lastBeat atomic.Int64
	running  atomic.Bool
	// stopping is closed when the HTTP server starts shutting down.
	stopping chan struct{}
	// stopCheckpoints ends the store's background checkpointer.
	stopCheckpoints func()
}

// New opens the store, runs both migrations (goose's, then River's),
// marks runs cut by an earlier death interrupted, and builds River's
// client and the HTTP handler. Nothing is listening or working yet.
func New(ctx context.Context, cfg *config.Config, o Options) (*Server, error) {
	red := redact.Default().WithLiterals(append(cfg.Secrets(), passphrase())...)
	s := &Server{cfg: cfg, log: slog.New(red.Handler(o.Log)), metrics: metrics.New(), started: time.Now(), id: jobs.ClientID(),
		stopping: make(chan struct{})}
	db, err := store.Open(ctx, o.DB)
	if err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	s.db = db
	// Checkpoints off the write path: a webhook's 202 waits for its
	// commit, and a commit that checkpoints waits for an fsync.
	if s.stopCheckpoints, err = db.CheckpointInBackground(ctx, time.Second); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.setUp(ctx, o); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) setUp(ctx context.Context, o Options) error {
	if err := jobs.Migrate(ctx, s.db); err != nil {
		return err
	}
	// A serve owns a SQLite file alone: what it finds running died with
	// the previous serve. On PostgreSQL another replica may be running
	// it; a dead replica's runs end when River rescues their jobs.
	if s.db.Pool() == nil {
		n, err := s.db.InterruptRuns(ctx, time.Now().UTC())
		if err != nil {
			return err
		}
		if n > 0 {
			s.log.Warn("runs cut by the previous serve's end marked interrupted", "runs", n)
		}
	}
	var err error
	s.env = s.jobEnv()
	s.specs = specs(s.cfg)
	for _, sp := range s.specs {
		s.metrics.Schedules(sp.Name)
	}
	periodic := append(schedule.Periodic(s.specs, s.metrics), schedule.Heartbeat())
	if s.cfg.Retention > 0 {
		periodic = append(periodic, schedule.Prune())
	}
	s.client, err = jobs.NewClient(s.db, s.env, jobs.ClientConfig{
		Workers: cmp.Or(o.Workers, DefaultWorkers), MaxTimeout: s.maxTimeout(), Periodic: periodic,
		Register: func(w *river.Workers) error {
			return errors.Join(river.AddWorkerSafely(w, &schedule.HeartbeatWorker{Tick: s.beat}),
				river.AddWorkerSafely(w, &schedule.PruneWorker{Prune: s.prune}))
		},
		Log: s.log.With("component", "river"),
	})
	if err != nil {
		return fmt.Errorf("starting River: %w", err)
	}
	s.queue = &jobs.Queue{Client: s.client}
	s.metrics.SetQueueDepth(func() map[string]float64 {
		// Scraped: the scheduler metric follows every replica's beats.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.lastBeatAt(ctx)
		return s.queueDepth()
	})
	s.handler, err = s.routes()
	return err
}

func (s *Server) jobEnv() *jobs.Env {
	c := s.cfg
	return &jobs.Env{
		Playbooks: c.Playbooks, Forks: c.SSH.Forks, LockWait: c.SSH.LockWait, Store: s.db,
		SSH: action.SSHSettings{AcceptNewHostKeys: c.SSH.AcceptNewHostKeys, ConfigFile: c.SSH.ConfigFile,
			ConnectTimeout: c.SSH.ConnectTimeout},
		Secrets: c.Secrets(), Log: s.log, Observe: s.metrics,
		Timeout: s.scheduleTimeout,
	}
}

// beat records a heartbeat this replica worked, in the store too: River's
// leader inserts the heartbeats and any replica may work one, and every
// replica's /readyz and scheduler metric go by the newest (lastBeatAt).
func (s *Server) beat(ctx context.Context, t time.Time) error {
	s.seen(t)
	return s.db.Beat(ctx, t, s.id)
}

// seen keeps t as the newest heartbeat known here if it is newer.
func (s *Server) seen(t time.Time) {
	for {
		old := s.lastBeat.Load()
		if t.UnixNano() <= old {
			return
		}
		if s.lastBeat.CompareAndSwap(old, t.UnixNano()) {
			s.metrics.SchedulerTick(t)
			return
		}
	}
}

// lastBeatAt is the newest heartbeat of any replica: this one's, or the
// store's when this one's is stale.
func (s *Server) lastBeatAt(ctx context.Context) time.Time {
	if last := time.Unix(0, s.lastBeat.Load()); s.lastBeat.Load() != 0 && time.Since(last) < schedule.HeartbeatEvery {
		return last
	}
	if at, err := s.db.LastBeat(ctx); err == nil && !at.IsZero() {
		s.seen(at)
	}
	if v := s.lastBeat.Load(); v != 0 {
		return time.Unix(0, v)
	}
	return time.Time{}
}

// Handler is the daemon's HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// Close closes the store; call it after Run returns.
func (s *Server) Close() error {
	s.stopCheckpoints()
	return s.db.Close()
}
