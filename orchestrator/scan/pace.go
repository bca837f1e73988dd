package scan

import (
	"sync"
	"time"
)

// DefaultSYNRate is the SYN engine's ceiling of probes per second when
// none is given: what two loaded cores send and a lab bridge carries
// without loss; the pacer lowers it when answers go missing.
const DefaultSYNRate = 300_000

// The pacer is a token bucket whose rate adapts to loss, like TCP's
// congestion window: it starts at the ceiling, and a window (pacerWindow)
// in which too many retransmitted probes were answered (so the first
// probe or its answer was lost: the target, the path or this machine's
// receive queue was overrun) cuts the rate; windows without loss raise it
// back, a twentieth of the ceiling at a time. Retries to a firewall that
// drops stay unanswered and are no sign of loss.
type pacer struct {
	mu                 sync.Mutex
	ceiling, rate      float64 // 0: unpaced
	minRate            float64
	tokens             float64
	last               time.Time
	winStart           time.Time
	retrySent, retryOK int64
}

const (
	pacerWindow = 100 * time.Millisecond
	lossCut     = 0.05 // answered share of retries above which the rate is cut
	pacerDecr   = 0.7
)

func newPacer(ceiling float64) *pacer {
	now := time.Now()
	return &pacer{ceiling: ceiling, rate: ceiling, minRate: ceiling, last: now, winStart: now}
}

// take returns how many of n probes may go now (0: wait ready before
// asking again).
func (p *pacer) take(n int) (ok int, ready time.Duration) {
	if p.ceiling <= 0 {
		return n, 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	p.adapt(now)
	burst := max(64, p.rate/100)
	p.tokens = min(burst, p.tokens+now.Sub(p.last).Seconds()*p.rate)
	p.last = now
	if p.tokens < 1 {
		return 0, time.Duration((1 - p.tokens) / p.rate * float64(time.Second))
	}
	ok = min(n, int(p.tokens))
	p.tokens -= float64(ok)
	return ok, 0
}

// retried counts probes of a retry pass: sent of them, answered ok.
func (p *pacer) retried(sent, ok int64) {
	if p.ceiling <= 0 {
		return
	}
	p.mu.Lock()
	p.retrySent += sent
	p.retryOK += ok
	p.mu.Unlock()
}

// adapt closes a window: cut on loss, else raise slowly.
func (p *pacer) adapt(now time.Time) {
	if now.Sub(p.winStart) < pacerWindow {
		return
	}
	floor := max(100, p.ceiling/200)
	if p.retrySent >= 20 && float64(p.retryOK) > lossCut*float64(p.retrySent) {
		p.rate = max(floor, p.rate*pacerDecr)
		p.minRate = min(p.minRate, p.rate)
	} else {
		p.rate = min(p.ceiling, p.rate+p.ceiling/20)
	}
	p.winStart, p.retrySent, p.retryOK = now, 0, 0
}

func (p *pacer) stats() (rate, minRate, ceiling float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate, p.minRate, p.ceiling
}
