// Package api is serve's HTTP API: runs and hosts from the store, a run's
// events as Server-Sent Events, and POST /v1/runs to start an action, all
// behind bearer tokens.
//
// Everything it answers comes from the store, never from the process's
// memory (River's in-process subscriptions included): any replica can
// answer for a run another one executes, and a restart loses nothing.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Source is what the API reads.
type Source interface {
	Run(ctx context.Context, id string) (store.Run, error)
	ListRuns(ctx context.Context, f store.RunFilter) ([]store.Run, error)
	Hosts(ctx context.Context) ([]store.HostState, error)
	EventsAfter(ctx context.Context, runID string, afterID int64, limit int) ([]store.Stored, error)
}

// Enqueuer queues runs (jobs.Queue).
type Enqueuer interface {
	Enqueue(ctx context.Context, a jobs.RunArgs, d *jobs.Delivery) (string, bool, error)
}

// Validator checks a run request as the worker will (jobs.Env.Validate).
type Validator func(jobs.RunArgs) error

// Options configure the API.
type Options struct {
	Source   Source
	Enqueue  Enqueuer
	Validate Validator
	Auth     *Auth
	Log      *slog.Logger
	// Poll is how often a live event stream looks for new events.
	Poll time.Duration
	// Stopping, when closed, ends every live stream: a server shutting
	// down waits for open requests, and a stream never ends by itself.
	Stopping <-chan struct{}
}

// DefaultPoll bounds the delay of a live event (the store has no
// notifications on SQLite).
const DefaultPoll = 250 * time.Millisecond

type api struct{ Options }

// Mount adds the API's routes to mux, each behind the token check.
func Mount(mux *http.ServeMux, o Options) {
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	a := &api{o}
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /v1/runs":             a.listRuns,
		"POST /v1/runs":            a.startRun,
		"GET /v1/runs/{id}":        a.getRun,
		"GET /v1/runs/{id}/events": a.events,
		"GET /v1/hosts":            a.hosts,
	} {
		mux.Handle(pattern, o.Auth.Require(h))
	}
	// Everything else under /v1/ is the API's to refuse, in JSON: without
	// this the status page at / would answer it.
	mux.Handle("/v1/", o.Auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probe := r.Clone(r.Context())
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			probe.Method = m
			if _, p := mux.Handler(probe); p != "/v1/" && p != "" {
				w.Header().Set("Allow", m)
				writeError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path)
				return
			}
		}
		writeError(w, http.StatusNotFound, "no API endpoint "+r.URL.Path)
	})))
}
