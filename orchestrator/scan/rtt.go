package scan

import (
	"sync"
	"time"
)

// rtt estimates the round trip to a target from answered probes (open and
// closed ports alike) the way TCP does (RFC 6298), so a probe's timeout
// follows the network instead of a fixed guess. Until the first answer the
// timeout is the bounded initial one: on a host that drops everything
// there is nothing to learn from.
type rtt struct {
	mu             sync.Mutex
	srtt, rttvar   time.Duration
	samples        int
	initial        time.Duration
	floor, ceiling time.Duration
}

func (r *rtt) observe(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.samples == 0 {
		r.srtt, r.rttvar = d, d/2
	} else {
		diff := r.srtt - d
		if diff < 0 {
			diff = -diff
		}
		r.rttvar = (3*r.rttvar + diff) / 4
		r.srtt = (7*r.srtt + d) / 8
	}
	r.samples++
}

// timeout is how long a probe waits for an answer; attempt 0 is the first
// try, each retry waits twice as long (up to the ceiling), so a port whose
// answer was merely late on a loaded path is found on a retry.
func (r *rtt) timeout(attempt int) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.initial
	if r.samples > 0 {
		t = max(r.floor, 2*r.srtt+4*r.rttvar)
	}
	t <<= attempt
	return min(t, r.ceiling)
}

// stats reports the estimate for the result.
func (r *rtt) stats() (srtt time.Duration, samples int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.srtt, r.samples
}
