package webhook

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// newLimiter is one token bucket per hook, not per sender address: CI
// systems send from large, changing address pools, and the point is to
// bound the runs one hook can queue.
func newLimiter(h Hook) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(float64(h.PerMinute)/60), h.Burst)
}

// takeToken takes a token at now, or refuses with the whole seconds until
// one is free (at least 1, as Retry-After wants).
func takeToken(lim *rate.Limiter, now time.Time) error {
	res := lim.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if res.OK() && delay == 0 {
		return nil
	}
	// A refused request must not hold on to a future token.
	res.CancelAt(now)
	secs := 60
	if res.OK() {
		secs = max(1, int(math.Ceil(delay.Seconds())))
	}
	return &reject{
		status:     http.StatusTooManyRequests,
		outcome:    OutcomeRateLimited,
		err:        fmt.Errorf("rate limit of %g/min (burst %d) reached; retry in %ds", float64(lim.Limit())*60, lim.Burst(), secs),
		retryAfter: secs,
	}
}

// readBody reads at most limit bytes. A Content-Length over the limit is
// refused before reading anything, and the connection is closed rather
// than drained; a body that turns out longer (chunked, or a sender that
// lies) stops at the limit.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		return nil, tooLarge(fmt.Errorf("Content-Length %d over the limit of %d bytes", r.ContentLength, limit))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var over *http.MaxBytesError
	switch {
	case errors.As(err, &over):
		return nil, tooLarge(fmt.Errorf("body over the limit of %d bytes", limit))
	case err != nil:
		return nil, &reject{status: http.StatusBadRequest, outcome: OutcomeBadRequest, err: fmt.Errorf("reading body: %w", err)}
	}
	return body, nil
}

func tooLarge(err error) error {
	return &reject{status: http.StatusRequestEntityTooLarge, outcome: OutcomeTooLarge, err: err}
}
