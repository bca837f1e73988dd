package webhook

import (
	"context"
	"time"
)

// Delivery is a verified request, handed to the Enqueuer.
type Delivery struct {
	Hook     string    // the Hook's Name
	ID       string    // X-GitHub-Delivery, X-Ck8s-Delivery, or "sig-" + the generic signature's hex
	Event    string    // X-GitHub-Event ("push", ...) or X-Ck8s-Event; may be empty
	Payload  Payload   // informational fields of the body
	Received time.Time // when the handler read it
}

// Enqueuer records a delivery and starts its run in one transaction, so a
// delivery is either acknowledged and queued or neither.
//
// dup reports that (d.Hook, d.ID) was recorded before: runID is then the
// first delivery's run and nothing new was started. An error means nothing
// was recorded; the handler answers 503 and the sender may retry.
type Enqueuer interface {
	Enqueue(ctx context.Context, d Delivery) (runID string, dup bool, err error)
}

// Observer counts outcomes per hook (the metrics package implements it).
// Requests for unknown hook names are observed with hook "", so scanners
// cannot grow the label set.
type Observer interface {
	Webhook(hook, outcome string)
}

// Outcomes, as logged and observed.
const (
	OutcomeAccepted         = "accepted"           // 202: a run was queued
	OutcomeDuplicate        = "duplicate"          // 200: seen before, first run returned
	OutcomePing             = "ping"               // 200: GitHub ping, nothing queued
	OutcomeUnauthorized     = "unauthorized"       // 401: missing or wrong signature, bad timestamp
	OutcomeStale            = "stale"              // 401: generic timestamp outside the window
	OutcomeTooLarge         = "too_large"          // 413
	OutcomeRateLimited      = "rate_limited"       // 429
	OutcomeNotFound         = "not_found"          // 404: no such hook
	OutcomeMethodNotAllowed = "method_not_allowed" // 405
	OutcomeBadRequest       = "bad_request"        // 400: delivery ID, event or payload
	OutcomeError            = "error"              // 503: the Enqueuer failed
)

// Outcomes lists every outcome, for metrics that pre-create their series.
func Outcomes() []string {
	return []string{
		OutcomeAccepted, OutcomeDuplicate, OutcomePing, OutcomeUnauthorized,
		OutcomeStale, OutcomeTooLarge, OutcomeRateLimited, OutcomeNotFound,
		OutcomeMethodNotAllowed, OutcomeBadRequest, OutcomeError,
	}
}
