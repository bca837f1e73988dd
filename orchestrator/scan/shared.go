package scan

import (
	"context"
	"net/netip"
	"sync"
	"time"
)

// DefaultGather is how long a Shared scanner waits for more submissions
// before it starts a batch.
const DefaultGather = 50 * time.Millisecond

// Shared is one scanner for a whole run: every host's scan is submitted to
// it, and submissions that arrive together are scanned as one batch by one
// Scanner, sharing one socket budget and one rate, instead of one Scanner
// per host competing for the open-files limit. The fleet's scanning work
// thus lands in one place, where its cost can be measured and bounded.
//
// Each batch's scope guard allows exactly the addresses submitted (every
// one also passes the process's network fence); the template's Guard is
// not used.
type Shared struct {
	tmpl   func() *Scanner
	ports  []uint16
	gather time.Duration
	ctx    context.Context

	mu      sync.Mutex
	pending []*request
	running bool
}

type request struct {
	addrs []netip.Addr
	res   []*Result
	err   error
	done  chan struct{}
}

// NewShared returns a shared scanner of ports with tmpl's settings
// (Concurrency, Rate, Timeout, First, UDP). Batches run until ctx ends.
func NewShared(ctx context.Context, tmpl *Scanner, ports []uint16) *Shared {
	c, rate, timeout, retries, first, udp := tmpl.Concurrency, tmpl.Rate, tmpl.Timeout, tmpl.Retries, tmpl.First, tmpl.UDP
	return &Shared{tmpl: func() *Scanner {
		return &Scanner{Concurrency: c, Rate: rate, Timeout: timeout, Retries: retries, First: first, UDP: udp}
	}, ports: ports, gather: DefaultGather, ctx: ctx}
}

// Scan submits addrs and waits for their results, in the order given.
// A caller that gives up (ctx) leaves the batch running for the others.
func (s *Shared) Scan(ctx context.Context, addrs []netip.Addr) ([]*Result, error) {
	if err := checkAll(Hosts(addrs...), addrs); err != nil {
		return nil, err
	}
	r := &request{addrs: addrs, done: make(chan struct{})}
	s.mu.Lock()
	s.pending = append(s.pending, r)
	if !s.running {
		s.running = true
		go s.loop()
	}
	s.mu.Unlock()
	select {
	case <-r.done:
		return r.res, r.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// loop scans batches until none is pending.
func (s *Shared) loop() {
	for {
		time.Sleep(s.gather)
		s.mu.Lock()
		batch := s.pending
		s.pending = nil
		if len(batch) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.run(batch)
	}
}

// run scans every distinct address of batch at once and hands each
// request its results.
func (s *Shared) run(batch []*request) {
	index := map[netip.Addr]int{}
	var all []netip.Addr
	for _, r := range batch {
		for _, a := range r.addrs {
			a = a.Unmap()
			if _, ok := index[a]; !ok {
				index[a] = len(all)
				all = append(all, a)
			}
		}
	}
	sc := s.tmpl()
	sc.Guard = Hosts(all...)
	res, err := sc.Scan(s.ctx, all, s.ports)
	for _, r := range batch {
		r.err = err
		if len(res) == len(all) {
			for _, a := range r.addrs {
				r.res = append(r.res, res[index[a.Unmap()]])
			}
		}
		close(r.done)
	}
}

func checkAll(g Guard, addrs []netip.Addr) error {
	for _, a := range addrs {
		if err := g.Check(a); err != nil {
			return err
		}
	}
	return nil
}
