package scan

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// EngineKind names how probes are sent.
type EngineKind string

// Engine kinds. Auto is SYN where this process may open raw sockets
// (root or CAP_NET_RAW on Linux) and connect elsewhere.
const (
	EngineAuto    EngineKind = "auto"
	EngineSYN     EngineKind = "syn"     // stateless SYNs on a raw socket, open ports confirmed by a connect
	EngineConnect EngineKind = "connect" // a non-blocking connect per port
)

// ParseEngineKind reads auto, syn or connect ("" is auto).
func ParseEngineKind(s string) (EngineKind, error) {
	switch k := EngineKind(s); k {
	case "":
		return EngineAuto, nil
	case EngineAuto, EngineSYN, EngineConnect:
		return k, nil
	}
	return "", fmt.Errorf("engine %q: must be auto, syn or connect", s)
}

// ErrNoRaw means the SYN engine was asked for and raw sockets cannot be
// opened here (no CAP_NET_RAW, or not Linux). Not retryable as is: run as
// root, grant the capability, or use the connect engine.
var ErrNoRaw = errors.New("raw sockets unavailable (needs root or CAP_NET_RAW on Linux)")

// Engine sends the probes of every Scan that uses it: one in-flight
// budget and one rate for all of them, so the scans of a whole run (every
// host's scan phase, a sweep) cost what one scan of all their targets
// costs, instead of competing with each other's loops and sockets. A
// target submitted while others are being scanned joins at once. It is
// safe for concurrent use; Close it when the run ends.
type Engine struct {
	kind     EngineKind // what runs: syn or connect
	conc     int
	pace     *pacer
	conn     *connEngine
	syn      *synEngine // nil unless kind is syn
	fallback error      // why auto chose connect
	portable bool

	sem            chan struct{} // the portable engine's in-flight budget
	freed          chan struct{} // a probe finished: one short of sockets may go on
	inflight, peak atomic.Int64
	closed         chan struct{}
	closeOnce      sync.Once
}

// NewEngine returns an engine of kind with at most concurrency sockets
// in flight (0: DefaultConcurrency, capped by the open-files limit) and
// rate as the ceiling of probes per second (0: DefaultSYNRate for the SYN
// engine, no pacing for connect). EngineSYN fails with ErrNoRaw where raw
// sockets cannot be opened; EngineAuto then falls back to connect.
func NewEngine(kind EngineKind, concurrency int, rate float64) (*Engine, error) {
	kind, err := ParseEngineKind(string(kind))
	if err != nil {
		return nil, err
	}
	e := &Engine{kind: EngineConnect, conc: concurrencyOf(concurrency), closed: make(chan struct{})}
	if kind != EngineConnect {
		syn, err := openSYN(e)
		switch {
		case err == nil:
			e.kind, e.syn = EngineSYN, syn
		case kind == EngineSYN:
			return nil, fmt.Errorf("scan engine syn: %w", err)
		default:
			e.fallback = err
		}
	}
	if rate <= 0 && e.syn != nil {
		rate = DefaultSYNRate
	}
	e.pace = newPacer(rate)
	e.conn = newConnEngine(e)
	e.sem, e.freed = make(chan struct{}, e.conc), make(chan struct{}, 1)
	return e, nil
}

// Kind is the engine that runs: EngineSYN or EngineConnect.
func (e *Engine) Kind() EngineKind { return e.kind }

// Fallback is why EngineAuto runs connect rather than SYN (nil otherwise).
func (e *Engine) Fallback() error { return e.fallback }

// Close stops the engine: scans still running on it fail. Idempotent.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		close(e.closed)
		e.conn.q.failAll(errEngineClosed)
		if e.syn != nil {
			e.syn.close()
		}
	})
}

// shortageWait bounds how long a probe waits for this machine's sockets or
// ephemeral ports to free up before the scan gives up.
const shortageWait = 2 * time.Second

// released tells a probe waiting for local resources that some were freed.
func (e *Engine) released() {
	select {
	case e.freed <- struct{}{}:
	default:
	}
}

var errEngineClosed = errors.New("scan engine closed")

// EngineStats is a snapshot of an engine's counters.
type EngineStats struct {
	Kind         EngineKind
	Rate         float64 // probes per second allowed now (0: unpaced)
	MinRate      float64 // the lowest Rate so far: below the ceiling after loss
	Ceiling      float64
	InFlight     int // connects in flight now
	PeakInFlight int // the most connects ever in flight at once
	Budget       int // the in-flight budget
	Ignored      int // SYN-ACKs and resets whose acknowledgment is not a cookie of ours
	// LossSamples sent with first passes (sample.go) and the answers
	// they got.
	LossSamples, LossSamplesAnswered int
}

// Stats returns the engine's counters.
func (e *Engine) Stats() EngineStats {
	rate, minRate, ceiling := e.pace.stats()
	st := EngineStats{Kind: e.kind, Rate: rate, MinRate: minRate, Ceiling: ceiling,
		InFlight: int(e.inflight.Load()), PeakInFlight: int(e.peak.Load()), Budget: e.conc}
	if e.syn != nil {
		st.Ignored = int(e.syn.ignoredCount())
		sent, answered := e.syn.sampleCounts()
		st.LossSamples, st.LossSamplesAnswered = int(sent), int(answered)
	}
	return st
}

// reserve takes one slot of the in-flight budget, if one is free.
func (e *Engine) reserve() bool {
	for {
		n := e.inflight.Load()
		if n >= int64(e.conc) {
			return false
		}
		if e.inflight.CompareAndSwap(n, n+1) {
			for p := e.peak.Load(); n+1 > p && !e.peak.CompareAndSwap(p, n+1); p = e.peak.Load() {
			}
			return true
		}
	}
}

// flying(-1) gives back a slot taken by reserve.
func (e *Engine) flying(d int64) { e.inflight.Add(d) }

// pass probes items of r and returns how many answered. SYN runs send
// SYNs; the confirmation of their open ports, and connect runs, connect.
func (r *run) pass(ctx context.Context, items []item, attempt int) (answered int64, err error) {
	if r.syn != nil && !r.confirming {
		return r.eng.syn.pass(ctx, r, items, attempt)
	}
	if r.eng.portable {
		return r.portablePass(ctx, items, attempt)
	}
	return r.eng.conn.pass(ctx, r, items, attempt)
}

// record stores a port's class; took > 0 is a round trip to learn from.
// ans counts the pass's answers.
func (r *run) record(it item, c Class, took time.Duration, attempt int, ans *atomic.Int64) {
	t := r.targets[it.target]
	if took > 0 && (c == Open || c == Closed) {
		t.est.observe(took)
	}
	t.set(it.port, c)
	if c != silent {
		ans.Add(1)
	}
	if attempt > 0 {
		r.eng.pace.retried(1, b2i(c != silent))
	}
	if c == Open {
		r.open.Add(1)
	}
	if attempt == 0 && !r.confirming {
		r.done.Add(1)
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
