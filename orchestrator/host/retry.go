package host

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff between attempts: 250ms, 500ms, 1s, … capped at 5s, each with up
// to 50% jitter so hosts dialled in parallel don't retry in lockstep.
const (
	backoffBase = 250 * time.Millisecond
	backoffMax  = 5 * time.Second
)

// withRetry repeats attempt while it fails transiently (see Retryable), at
// most c.Retries more times, and never past ctx.
func withRetry[T any](ctx context.Context, c Config, attempt func() (T, error)) (T, error) {
	for i := 0; ; i++ {
		v, err := attempt()
		if err == nil || i >= c.Retries || !Retryable(err) {
			return v, err
		}
		wait := backoff(i)
		c.Logger.Debug("dial failed, retrying", "host", c.String(), "attempt", i+1, "wait", wait, "err", err)
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
	}
}

func backoff(attempt int) time.Duration {
	d := backoffMax
	if attempt < 5 {
		d = min(backoffBase<<attempt, backoffMax)
	}
	return d/2 + rand.N(d/2+1)
}
