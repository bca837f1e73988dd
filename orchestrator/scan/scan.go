// Package scan proves from the outside which TCP ports of a host answer: a
// stateless SYN scan on raw sockets where the process may (open ports
// confirmed by a connect) or a connect scan, of every port by default,
// bounded in sockets and in a rate that adapts to loss, that classifies
// each port open, closed (RST) or filtered (no answer, or an ICMP
// rejection), with timeouts that follow the measured round trip and
// retries of silent ports. A host that drops everything therefore costs
// seconds, not minutes, and a single lost SYN never hides an open port.
// One Engine serves every scan of a run.
//
// A Scanner only probes addresses its Guard allows; anything else is
// refused with ErrOutOfScope before a packet is sent.
package scan

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Class is what a port's answer says about it.
type Class uint8

// Port classes; the zero value is a port not probed yet.
const (
	unprobed Class = iota
	Open           // the handshake completed
	Closed         // the host answered with a reset
	Filtered       // an ICMP rejection, or no answer after every retry
	silent         // no answer yet: retried, reported as Filtered
	synAck         // a SYN-ACK to a raw SYN: open once a connect confirms it
)

func (c Class) String() string {
	return [...]string{"unprobed", "open", "closed", "filtered", "filtered", "filtered"}[c]
}

// Defaults of a Scanner's zero fields.
const (
	DefaultConcurrency = 4096
	DefaultTimeout     = time.Second            // the longest any probe waits
	DefaultInitial     = 300 * time.Millisecond // until the first answer gives an RTT
	DefaultMinTimeout  = 25 * time.Millisecond  // floor of the adaptive timeout
	DefaultRetries     = 3
)

// Scanner scans targets. Its zero value with a Guard set is ready to use.
type Scanner struct {
	Guard Guard
	// Engine, if set, sends the probes, shared with every other Scan
	// using it (its budget and rate apply, not Concurrency, Rate, Kind).
	// Nil: each Scan call runs an engine of its own for its targets.
	Engine *Engine
	// Kind is the engine of an own engine: auto (the default), syn or
	// connect.
	Kind EngineKind
	// Concurrency bounds the sockets in flight across all targets; it is
	// capped by the open-files limit (raised to the hard limit first).
	Concurrency int
	// Rate, if positive, is the ceiling of probes per second across all
	// targets; the rate adapts below it to loss. The SYN engine has a
	// default ceiling (DefaultSYNRate); connects are otherwise unpaced.
	Rate float64
	// Timeout bounds how long one probe waits for an answer.
	Timeout time.Duration
	// Retries is how many more times a silent port is probed. The first
	// retry runs unless the SYN engine's loss samples showed it needless
	// (sample.go); later ones only while retries still find answers
	// (evidence of loss rather than of a dropping firewall).
	Retries int
	// SSHPorts are never sent loss samples, nor is 22: a host that limits
	// new SSH connections per source must not be taught to refuse the
	// orchestrator's.
	SSHPorts []uint16
	// First are ports probed before the others (the expected ones), so the
	// RTT is known early even on a host that drops all but a few ports.
	First []uint16
	// UDP are ports also probed over UDP, best effort (see UDPResult),
	// alongside the TCP scan.
	UDP []uint16
	// Progress, if set, is called about every 100ms and once at the end.
	Progress func(Progress)

	probes   atomic.Int64 // every connect or SYN attempted, for tests of the guard
	portable bool         // the portable engine even where epoll exists (tests)
}

// SSHPortsOf lists the distinct SSH ports of hosts (a playbook's), for
// Scanner.SSHPorts; 0 (an address without a host) adds none.
func SSHPortsOf(ports ...int) []uint16 {
	var out []uint16
	for _, p := range ports {
		if p > 0 && p <= 65535 && !slices.Contains(out, uint16(p)) {
			out = append(out, uint16(p))
		}
	}
	return out
}

// Progress is a running count over all targets of one Scan call.
type Progress struct {
	Done, Total, Open int
}

// Result is one target's outcome.
type Result struct {
	Target   netip.Addr    `json:"target"`
	Open     []uint16      `json:"open"`
	Closed   int           `json:"closed"`
	Filtered int           `json:"filtered"`
	Probes   int           `json:"probes"`
	Retries  int           `json:"retryPasses"`
	SRTT     time.Duration `json:"srttNs"`
	Duration time.Duration `json:"durationNs"`
	UDP      *UDPResult    `json:"udp,omitempty"` // with Scanner.UDP only
	Engine   EngineKind    `json:"engine"`        // syn or connect
	// Heard (SYN engine only) counts the SYN-ACKs and resets the target
	// sent to the engine's source ports during the scan, whether or not
	// they answered its SYNs. A target where no port answered tells with
	// it whether nothing came back (Heard 0: down, unrouted, or dropping
	// everything) or segments did that matched no probe.
	Heard *int `json:"heard,omitempty"`
}

// Reachable reports whether any port answered with a handshake or a reset.
// A host where none did is down, unrouted or drops everything: its scan
// proves nothing.
func (r *Result) Reachable() bool { return len(r.Open) > 0 || r.Closed > 0 }

// Probes returns how many connects this scanner has attempted.
func (s *Scanner) Probes() int64 { return s.probes.Load() }

// Scan scans ports on every target at once, sharing one socket budget. It
// refuses the whole call, sending nothing, if any target is out of scope.
// On cancellation it stops promptly and returns the partial results with
// ctx's error.
func (s *Scanner) Scan(ctx context.Context, targets []netip.Addr, ports []uint16) ([]*Result, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("scan: no targets")
	}
	if len(ports) == 0 {
		return nil, fmt.Errorf("scan: no ports")
	}
	for _, t := range targets {
		if err := s.Guard.Check(t); err != nil {
			return nil, fmt.Errorf("scanning %s: %w", t, err)
		}
	}
	eng := s.Engine
	if eng == nil {
		var err error
		if eng, err = s.ownEngine(); err != nil {
			return nil, err
		}
		defer eng.Close()
	}
	run := s.newRun(eng, targets, ports)
	if err := run.register(); err != nil {
		return nil, err
	}
	defer run.unregister()
	stopProgress := run.reportProgress(s.Progress)
	var udp sync.WaitGroup
	udp.Go(func() { run.scanUDP(ctx, s.UDP) })
	err := run.scanTCP(ctx, s.retries())
	udp.Wait()
	stopProgress()
	return run.results(), err
}

func (s *Scanner) ownEngine() (*Engine, error) {
	if s.portable {
		e, err := NewEngine(EngineConnect, s.Concurrency, s.Rate)
		if e != nil {
			e.portable = true
		}
		return e, err
	}
	return NewEngine(s.Kind, s.Concurrency, s.Rate)
}

func (s *Scanner) retries() int {
	if s.Retries < 0 {
		return 0
	}
	if s.Retries == 0 {
		return DefaultRetries
	}
	return s.Retries
}

func concurrencyOf(c int) int {
	if c <= 0 {
		c = DefaultConcurrency
	}
	// Leave room for the process's other files (store, SSH, stdio).
	if limit := int(RaiseNoFile()) - 128; c > limit {
		c = max(limit, 1)
	}
	return c
}

func (s *Scanner) timeouts() (initial, ceiling time.Duration) {
	ceiling = s.Timeout
	if ceiling <= 0 {
		ceiling = DefaultTimeout
	}
	return min(DefaultInitial, ceiling), ceiling
}

// progressEvery is how often Progress is called.
const progressEvery = 100 * time.Millisecond

func (r *run) reportProgress(f func(Progress)) (stop func()) {
	if f == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				f(r.progress())
				return
			case <-t.C:
				f(r.progress())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
