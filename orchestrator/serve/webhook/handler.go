package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// PathPrefix is where the handler expects to be mounted:
// mux.Handle(PathPrefix, h) serves POST PathPrefix + name.
const PathPrefix = "/v1/hooks/"

type handler struct {
	hooks map[string]*hook
	enq   Enqueuer
	obs   Observer
	log   *slog.Logger
	now   func() time.Time
}

type hook struct {
	Hook
	limiter *rate.Limiter
}

// NewHandler serves POST /v1/hooks/{name} for hooks, handing verified
// deliveries to enq. obs may be nil; log nil discards; now nil is
// time.Now. It refuses invalid hooks and duplicate names.
func NewHandler(hooks []Hook, enq Enqueuer, obs Observer, log *slog.Logger, now func() time.Time) (http.Handler, error) {
	if enq == nil {
		return nil, errors.New("webhook: no Enqueuer")
	}
	h := &handler{hooks: make(map[string]*hook, len(hooks)), enq: enq, obs: obs, log: log, now: now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	for i, hk := range hooks {
		full, err := hk.withDefaults()
		if err != nil {
			return nil, fmt.Errorf("webhook %d (%q): %w", i, hk.Name, err)
		}
		if _, dup := h.hooks[full.Name]; dup {
			return nil, fmt.Errorf("webhook %d: field \"name\": %q is used twice", i, full.Name)
		}
		h.hooks[full.Name] = &hook{Hook: full, limiter: newLimiter(full)}
	}
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := &request{w: w, r: r, received: h.now()}
	var mounted bool
	q.name, mounted = strings.CutPrefix(r.URL.Path, PathPrefix)
	if mounted {
		q.hook = h.hooks[q.name] // looked up first only to label a 405
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.finish(q, &reject{status: http.StatusMethodNotAllowed, outcome: OutcomeMethodNotAllowed,
			err: fmt.Errorf("method %s not allowed; use POST", r.Method)})
		return
	}
	if q.hook == nil {
		h.finish(q, &reject{status: http.StatusNotFound, outcome: OutcomeNotFound, err: errors.New("no such webhook")})
		return
	}
	h.finish(q, h.deliver(q))
}

// deliver runs the checks in order and enqueues; the returned error is
// a *reject or an Enqueue failure, nil when q.result is set.
func (h *handler) deliver(q *request) error {
	if err := takeToken(q.hook.limiter, q.received); err != nil {
		return err
	}
	body, err := readBody(q.w, q.r, q.hook.MaxBody)
	if err != nil {
		return err
	}
	d, err := q.hook.authenticate(q, body)
	if err != nil {
		return err
	}
	if q.hook.Scheme == GitHub && d.Event == "ping" {
		q.result = answer{status: http.StatusOK, outcome: OutcomePing, body: map[string]string{"status": "pong"}}
		return nil
	}
	if d.Payload, err = ParsePayload(body); err != nil {
		return badRequest(err)
	}
	return h.enqueue(q, d)
}

func (h *handler) enqueue(q *request, d Delivery) error {
	runID, dup, err := h.enq.Enqueue(q.r.Context(), d)
	if err != nil {
		return &reject{status: http.StatusServiceUnavailable, outcome: OutcomeError, err: err,
			public: "the delivery could not be queued; nothing was recorded, retry later"}
	}
	q.w.Header().Set("Location", "/v1/runs/"+runID)
	if dup {
		q.result = answer{status: http.StatusOK, outcome: OutcomeDuplicate,
			body: map[string]string{"status": "duplicate", "runId": runID}, runID: runID}
		return nil
	}
	q.result = answer{status: http.StatusAccepted, outcome: OutcomeAccepted,
		body: map[string]string{"status": "accepted", "runId": runID}, runID: runID}
	return nil
}
