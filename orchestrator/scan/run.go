package scan

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// target is one address's state during a run. class is indexed by port:
// 64 KiB per target buys lock-free updates (each port has one writer).
type target struct {
	addr    netip.Addr
	mu      sync.Mutex // class: the SYN engine's receiver writes it late
	class   [65536]Class
	est     *rtt
	probes  atomic.Int64
	retries int
	// heard counts, for the SYN engine, every SYN-ACK and reset the
	// target sent to the engine's source ports while this run scanned it,
	// answers or not (see Result.Heard).
	heard atomic.Int64

	udp       *UDPResult
	udpProbes atomic.Int64
}

func (t *target) get(p uint16) Class {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.class[p]
}

func (t *target) set(p uint16, c Class) {
	t.mu.Lock()
	t.class[p] = c
	t.mu.Unlock()
}

// item is one port of one target still to probe.
type item struct {
	target int32
	port   uint16
}

// run is one Scan call: the targets, the shared socket budget and counters.
type run struct {
	s       *Scanner
	eng     *Engine
	targets []*target
	order   []uint16
	conc    int
	start   time.Time
	done    atomic.Int64
	open    atomic.Int64

	index      map[netip.Addr]int // targets by address
	syn        *synRun            // the SYN engine's state of this run; nil: connect
	confirming bool               // SYN found open ports: now they are connected to
}

func (s *Scanner) newRun(eng *Engine, addrs []netip.Addr, ports []uint16) *run {
	initial, ceiling := s.timeouts()
	r := &run{s: s, eng: eng, order: firstPorts(ports, s.First), conc: eng.conc, start: time.Now()}
	for _, a := range addrs {
		est := &rtt{initial: initial, floor: min(DefaultMinTimeout, ceiling), ceiling: ceiling}
		r.targets = append(r.targets, &target{addr: a.Unmap(), est: est})
	}
	r.index = make(map[netip.Addr]int, len(addrs))
	for i := len(r.targets) - 1; i >= 0; i-- {
		r.index[r.targets[i].addr] = i
	}
	return r
}

// targetIndex is the index of the target at a (-1: none).
func (r *run) targetIndex(a netip.Addr) int {
	if i, ok := r.index[a]; ok {
		return i
	}
	return -1
}

// firstPorts orders ports with those of first (that are scanned) ahead.
func firstPorts(ports, first []uint16) []uint16 {
	out := make([]uint16, 0, len(ports))
	for _, p := range first {
		if _, ok := slices.BinarySearch(ports, p); ok && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	n := len(out)
	for _, p := range ports {
		if !slices.Contains(out[:n], p) {
			out = append(out, p)
		}
	}
	return out
}

// scanTCP probes every port of every target; a port the SYN engine found
// open counts only once a connect to it succeeds (no false "open").
func (r *run) scanTCP(ctx context.Context, retries int) error {
	all := make([]item, 0, len(r.order)*len(r.targets))
	for _, p := range r.order {
		for ti := range r.targets {
			all = append(all, item{int32(ti), p})
		}
	}
	loss, err := r.passes(ctx, all, retries, lossEstimate{})
	if err != nil || r.syn == nil {
		return err
	}
	var cands []item
	for ti, t := range r.targets {
		t.mu.Lock()
		for _, p := range r.order {
			if t.class[p] == synAck {
				t.class[p] = unprobed
				cands = append(cands, item{int32(ti), p})
			}
		}
		t.mu.Unlock()
	}
	r.confirming = true
	// The same path: the loss the SYNs measured tells how long to retry
	// a handful of connects that cannot measure it themselves. An open
	// port these connects miss is reported filtered, the one mistake a
	// compliance scan must not make, and there are only a few of them: so
	// they go on until a ten-thousandth of a port may be missing, not a
	// hundredth (within Retries).
	_, err = r.passes(ctx, cands, retries, lossEstimate{prior: loss, tolerance: 1e-4})
	return err
}

// passes probes every item once, then the silent ones again: the first
// retry always (unless the SYN engine's loss samples measured the loss
// already, see sample.go), later ones while the previous retry found
// answers or the loss measured so far (or known before: its prior) says
// answers may still be missing. It returns the loss rate it measured.
func (r *run) passes(ctx context.Context, pending []item, retries int, loss lossEstimate) (float64, error) {
	for attempt := 0; len(pending) > 0; attempt++ {
		answered, err := r.pass(ctx, pending, attempt)
		if err != nil {
			return loss.rate(), err
		}
		loss.observe(attempt, answered)
		sampling := attempt == 0 && r.syn != nil && !r.confirming
		var answeredBy []int64 // by target, for the loss samples
		if sampling {
			answeredBy = make([]int64, len(r.targets))
		}
		quiet := pending[:0] // filtered in place: pending is not read after
		for _, it := range pending {
			if r.targets[it.target].get(it.port) == silent {
				quiet = append(quiet, it)
			} else if sampling {
				answeredBy[it.target]++
			}
		}
		rate := loss.rate()
		if sampling {
			var p float64
			var lossless bool
			if quiet, p, lossless = r.sampled(quiet, answeredBy, loss.tolerance); lossless {
				rate = max(rate, p) // the prior of the confirming connects
			}
		}
		if len(quiet) == 0 || attempt >= retries || (attempt >= 1 && answered == 0 && !loss.missing(attempt)) {
			return rate, nil
		}
		for _, it := range quiet {
			t := r.targets[it.target]
			t.retries = max(t.retries, attempt+1)
		}
		pending = quiet
	}
	return loss.rate(), nil
}

// sampled drops from a first pass's silent items those of the targets the
// loss samples (sample.go) say need no retry, and returns the loss bound
// p they measured and whether none was lost (else quiet is unchanged).
// The answers a target's silent ports may still owe are about its
// answered ports times p; the targets with the fewest answered ports
// (a host that drops: tens of thousands of silent ports, a handful
// answered) are spared their retry while the run's total stays under the
// tolerance, and the others (a host that resets: few silent ports left, a
// cheap retry) keep theirs.
func (r *run) sampled(quiet []item, answeredBy []int64, tol float64) ([]item, float64, bool) {
	p, lossless := r.syn.smp.bound()
	if !lossless {
		return quiet, p, false
	}
	if tol == 0 {
		tol = 0.01
	}
	order := make([]int, len(r.targets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(answeredBy[a] - answeredBy[b]) })
	spare := make([]bool, len(r.targets))
	risk := 0.0
	for _, ti := range order {
		if answeredBy[ti] == 0 { // nothing answered: down, or the path is not what the samples measured
			continue
		}
		if risk+float64(answeredBy[ti])*p >= tol {
			break
		}
		risk += float64(answeredBy[ti]) * p
		spare[ti] = true
	}
	return slices.DeleteFunc(quiet, func(it item) bool { return spare[it.target] }), p, true
}

// classify maps a connect's outcome to a class; local reports an error of
// this machine rather than an answer from the target.
func classify(err error) (c Class, local bool) {
	switch {
	case err == nil:
		return Open, false
	case errors.Is(err, syscall.ECONNREFUSED):
		return Closed, false
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM),
		errors.Is(err, syscall.EHOSTDOWN), errors.Is(err, syscall.ENETDOWN):
		return Filtered, false
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE),
		errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.ENOBUFS),
		errors.Is(err, syscall.ENOMEM), errors.Is(err, syscall.EAGAIN):
		return silent, true
	}
	return silent, false
}

func (r *run) progress() Progress {
	return Progress{Done: int(r.done.Load()), Total: len(r.order) * len(r.targets), Open: int(r.open.Load())}
}

func (r *run) results() []*Result {
	out := make([]*Result, len(r.targets))
	for i, t := range r.targets {
		res := &Result{Target: t.addr, Open: []uint16{}, Probes: int(t.probes.Load()), Retries: t.retries, Duration: time.Since(r.start), UDP: t.udp, Engine: r.eng.kind}
		if r.syn != nil {
			heard := int(t.heard.Load())
			res.Heard = &heard
		}
		res.SRTT, _ = t.est.stats()
		t.mu.Lock()
		defer t.mu.Unlock()
		for _, p := range r.order {
			switch t.class[p] {
			case Open:
				res.Open = append(res.Open, p)
			case Closed:
				res.Closed++
			case Filtered, silent, synAck: // an unconfirmed SYN-ACK is no proof
				res.Filtered++
			}
		}
		slices.Sort(res.Open)
		out[i] = res
	}
	return out
}
