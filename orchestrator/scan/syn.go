package scan

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// synPorts is the block of source ports one run's SYNs use: the first
// for the first pass, the next ones for retries (the later retries share
// the last of them), so an answer on another than the first shows that a
// first probe or its answer was lost; the block's last port sends the
// loss samples (sample.go).
const (
	synPorts   = 8
	sampleSlot = synPorts - 1
)

// synRun is one run's state in the SYN engine.
type synRun struct {
	base  uint16         // source ports base .. base+synPorts-1
	src   []netip.Addr   // by target: this machine's address toward it
	fence []netip.Prefix // the process's fence when the run started
	stamp [][256]atomic.Uint64

	want, got atomic.Int64  // the pass's items and those answered
	all       chan struct{} // every item of the pass answered
	smp       samples       // the first pass's loss samples
	ssh       []uint16      // ports never sampled (Scanner.SSHPorts)
}

// owns reports whether port is one of the run's source ports. The
// difference wraps below base, and base+synPorts would wrap to 0 for the
// last block (65528..65535): that block once matched no answer at all,
// and its run's targets looked silent ("no port answered") although
// their answers came back.
func (sr *synRun) owns(port uint16) bool { return port-sr.base < synPorts }

// noSample reports whether port is an SSH port (22, or one of
// Scanner.SSHPorts), which gets no loss samples.
func (sr *synRun) noSample(port uint16) bool {
	return port == 22 || slices.Contains(sr.ssh, port)
}

// inScope is the guard of every packet, checked before it is crafted:
// the run's scope, then the fence as it was when the run began (the
// variable is not parsed again per packet).
func (sr *synRun) inScope(g Guard, a netip.Addr) error {
	for _, p := range g.Allow {
		if p.Contains(a) {
			if err := fence.Within(sr.fence, a); err != nil {
				return fmt.Errorf("%w: %w", ErrOutOfScope, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not in the allowed prefixes", ErrOutOfScope, a)
}

// stampSent notes when port was probed, in one of 256 slots per target:
// an answer finding its port in the slot gives a round trip to learn
// from, the rest are simply not timed.
func (sr *synRun) stampSent(ti int32, port uint16, now time.Duration) {
	sr.stamp[ti][port&255].Store(uint64(now)<<16 | uint64(port))
}

func (sr *synRun) rttOf(ti int32, port uint16, now time.Duration) time.Duration {
	v := sr.stamp[ti][port&255].Load()
	if v == 0 || uint16(v) != port {
		return 0
	}
	return now - time.Duration(v>>16)
}

// beginPass arms the count of answers of a pass of n items.
func (sr *synRun) beginPass(n int) {
	select {
	case <-sr.all:
	default:
	}
	sr.got.Store(0)
	sr.want.Store(int64(n))
}

// answered counts an item answered; the last one ends the pass's wait.
func (sr *synRun) answered() {
	if sr.got.Add(1) == sr.want.Load() {
		select {
		case sr.all <- struct{}{}:
		default:
		}
	}
}

// register prepares r for the SYN engine (none for connect): its targets
// are checked against the guard before anything, even a route lookup.
func (r *run) register() error {
	if r.eng.syn == nil {
		return nil
	}
	fs, err := fence.Parse(os.Getenv(fence.Env))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrOutOfScope, err)
	}
	sr := &synRun{fence: fs, all: make(chan struct{}, 1), stamp: make([][256]atomic.Uint64, len(r.targets)), ssh: r.s.SSHPorts}
	for _, t := range r.targets {
		if err := sr.inScope(r.s.Guard, t.addr); err != nil {
			return fmt.Errorf("scanning %s: %w", t.addr, err)
		}
	}
	// r.syn is set before the engine publishes r to its readers, which
	// read it as soon as an answer from one of r's targets comes in.
	r.syn = sr
	if err := r.eng.syn.register(r, sr); err != nil {
		r.syn = nil
		return err
	}
	return nil
}

func (r *run) unregister() {
	if r.syn != nil {
		r.eng.syn.unregister(r)
	}
}
