package scan

import (
	"sync/atomic"
	"time"
)

// Loss samples: a full-range scan of a host that drops spends its second
// pass re-probing tens of thousands of silent ports only to learn whether
// the first lost any answer (lossEstimate). The SYN engine learns that
// during the first pass instead: every sampleEvery-th SYN it also sends a
// sample, a SYN to a port that has already answered in this run, from
// the block's last source port. A sample is sent along the same path as
// every probe, so the samples lost are the loss of the pass. When none
// is lost and there are enough of them that the ports that answered,
// times the loss's upper bound, leave less than the tolerance of an
// answer missing, the retry pass is skipped for the hosts where it
// costs (run.sampled); otherwise it runs as it always did.

const (
	// sampleGap is the least time between two samples to one port of one
	// target (100 a second at most): a service sees a trickle of
	// half-open connections, not a burst, and the SSH ports none
	// (Scanner.SSHPorts). It also means that a scan must run for some
	// seconds before its samples are enough: at a few answering ports per
	// host, a first pass of about 5 s or more.
	sampleGap = 10 * time.Millisecond
	// sampleEvery SYNs of a first pass carry one sample: 3% more
	// packets. The answers a run may then still owe are its answered
	// ports times 3 × sampleEvery / (the ports scanned per target): for a
	// full range, under the tolerance of a hundredth for up to 6 ports
	// answering per host, whatever the number of hosts.
	sampleEvery = 32
	// samplePool bounds the answered ports samples go to.
	samplePool = 4096
	// sampleBound turns s samples without a loss into an upper bound of
	// the loss rate, 3/s: the rule of three, 95% confidence.
	sampleBound = 3.0
)

// samples is one run's loss sampling.
type samples struct {
	pool           atomic.Pointer[[]*sampled] // answered ports, copy-on-write (few, and early)
	sent, answered atomic.Int64
	count, pick    atomic.Int64 // first-pass SYNs counted; samples picked
}

// sampled is a port samples may go to, and when the last one did.
type sampled struct {
	it   item
	last atomic.Int64 // time.Duration since the run's start
}

// add offers a port that answered the first pass to the pool.
func (s *samples) add(it item) {
	e := &sampled{it: it}
	e.last.Store(-int64(sampleGap))
	for {
		old := s.pool.Load()
		var cur []*sampled
		if old != nil {
			cur = *old
		}
		if len(cur) >= samplePool {
			return
		}
		next := append(cur[:len(cur):len(cur)], e)
		if s.pool.CompareAndSwap(old, &next) {
			return
		}
	}
}

// due counts a first-pass SYN about to be sent (now: since the run's
// start) and says whether a sample goes with it, and to which port: the
// pool's ports in turn, each at most once per sampleGap.
func (s *samples) due(now time.Duration) (item, bool) {
	if s.count.Add(1)%sampleEvery != 0 {
		return item{}, false
	}
	p := s.pool.Load()
	if p == nil || len(*p) == 0 {
		return item{}, false
	}
	e := (*p)[int(s.pick.Add(1)-1)%len(*p)]
	last := e.last.Load()
	if now-time.Duration(last) < sampleGap || !e.last.CompareAndSwap(last, int64(now)) {
		return item{}, false
	}
	return e.it, true
}

// bound is the loss rate the samples allow (an upper bound), and whether
// none was lost; with no sample it is 1.
func (s *samples) bound() (float64, bool) {
	n, a := s.sent.Load(), s.answered.Load()
	if n == 0 {
		return 1, false
	}
	return min(sampleBound/float64(n), 1), a >= n
}
