package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/serve/schedule"
)

// Run serves until ctx ends (SIGTERM), then shuts down gracefully: the
// listener closes first (no new webhook is acknowledged), running jobs
// get the configured grace to finish, then their contexts are cancelled
// (a firewall change in flight is then confirmed or rolled back by the
// host's watchdog: the agent's commit-confirmed apply never depends on
// this process staying).
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	// Not ctx itself: River cancels running jobs the moment its Start
	// context ends, which would skip the grace; stopJobs ends them.
	if err := s.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("starting River: %w", err)
	}
	// riverUI's caches and count queries stop with ctx.
	if err := s.riverUI.Start(ctx); err != nil {
		s.stopJobs()
		return fmt.Errorf("starting River's UI: %w", err)
	}
	s.running.Store(true)
	s.catchUp(ctx)
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute, ErrorLog: nil}
	if t := s.cfg.TLS; t != nil {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return fmt.Errorf("loading the TLS key pair: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	srv.RegisterOnShutdown(func() { close(s.stopping) })
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "schedules", len(s.specs), "webhooks", len(s.cfg.Webhooks))
	select {
	case err := <-served:
		s.stopJobs()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", s.cfg.Grace.String())
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	herr := srv.Shutdown(shut)
	s.stopJobs()
	return herr
}

// stopJobs lets running jobs finish within the grace, then cancels them
// and waits for their workers to return.
func (s *Server) stopJobs() {
	defer s.running.Store(false)
	grace, cancel := context.WithTimeout(context.Background(), s.cfg.Grace)
	defer cancel()
	err := s.client.Stop(grace)
	if err == nil {
		return
	}
	s.log.Warn("grace period over: cancelling running runs", "err", err)
	hard, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	if err := s.client.StopAndCancel(hard); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		s.log.Error("stopping River", "err", err)
	}
}

// prune deletes finished runs older than the retention, with their
// events, in small batches (ingest waits for one batch at most). It is
// River's periodic job (schedule.Prune): hourly, and when a leader starts.
func (s *Server) prune(ctx context.Context) error {
	n, err := s.db.Prune(ctx, time.Now().Add(-s.cfg.Retention), pruneBatch)
	if err != nil {
		s.log.Error("pruning old runs", "err", err)
		return err
	}
	if n > 0 {
		s.log.Info("pruned runs past the retention", "runs", n, "retention", s.cfg.Retention.String())
	}
	return nil
}

// pruneBatch is the runs deleted per transaction.
const pruneBatch = 200

// catchUp queues one run for each schedule that missed fires while the
// daemon was down.
func (s *Server) catchUp(ctx context.Context) {
	insert := func(ctx context.Context, a jobs.RunArgs, o *river.InsertOpts) error {
		_, err := s.client.Insert(ctx, a, o)
		return err
	}
	n, err := schedule.CatchUp(ctx, s.specs, s.db.LastRun, insert, s.metrics, time.Now())
	if err != nil {
		s.log.Error("catching up missed schedules", "err", err)
	}
	if n > 0 {
		s.log.Warn("schedules missed while serve was down: one catch-up run each", "schedules", n)
	}
}
