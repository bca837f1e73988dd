package webhook

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// request is one delivery attempt; delivery and result fill in as the
// checks pass, for the response and the log line.
type request struct {
	w        http.ResponseWriter
	r        *http.Request
	received time.Time
	name     string // from the path, maybe not a hook
	hook     *hook  // nil until found
	delivery string // for the log, once known
	result   answer
}

// answer is what the client gets: a 2xx from deliver, or a refusal from finish.
type answer struct {
	status  int
	outcome string
	body    any
	runID   string
}

// reject is a refused request: the status, the outcome and why. public,
// when set, replaces err in the response (err may hold store details).
type reject struct {
	status     int
	outcome    string
	err        error
	public     string
	retryAfter int // seconds, for 429
}

func (r *reject) Error() string { return r.err.Error() }
func (r *reject) Unwrap() error { return r.err }

func badRequest(err error) error {
	return &reject{status: http.StatusBadRequest, outcome: OutcomeBadRequest, err: err}
}

func (q *request) noteDelivery(id string) {
	if token(id) {
		q.delivery = id
	}
}

// finish answers, logs and observes: the one place every request ends.
func (h *handler) finish(q *request, err error) {
	res := q.result
	level := slog.LevelInfo
	attrs := []slog.Attr{}
	if err != nil {
		rej := &reject{status: http.StatusInternalServerError, outcome: OutcomeError, err: err}
		errors.As(err, &rej)
		msg := rej.public
		if msg == "" {
			msg = rej.err.Error()
		}
		if rej.retryAfter > 0 {
			q.w.Header().Set("Retry-After", strconv.Itoa(rej.retryAfter))
		}
		res = answer{status: rej.status, outcome: rej.outcome, body: map[string]string{"error": msg}}
		level = slog.LevelWarn
		if rej.status >= 500 {
			level = slog.LevelError
		}
		attrs = append(attrs, slog.String("error", rej.err.Error()))
	}
	writeJSON(q.w, res.status, res.body)
	hookLabel := ""
	if q.hook != nil {
		hookLabel = q.hook.Name
	}
	if h.obs != nil {
		h.obs.Webhook(hookLabel, res.outcome)
	}
	attrs = append(attrs, slog.String("hook", truncate(q.name, 100)))
	if q.delivery != "" {
		attrs = append(attrs, slog.String("delivery", q.delivery))
	}
	attrs = append(attrs,
		slog.String("outcome", res.outcome),
		slog.Int("status", res.status),
		slog.String("remote", q.r.RemoteAddr))
	if res.runID != "" {
		attrs = append(attrs, slog.String("run", res.runID))
	}
	h.log.LogAttrs(q.r.Context(), level, "webhook", attrs...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
