package scan

import (
	"context"
	"net/netip"
	"sync"
)

// Shared is one scanner for a whole run: every host's scan is submitted to
// it and runs at once on one Engine, sharing one in-flight budget and one
// rate with every other host's, instead of one Scanner per host competing
// for the open-files limit and the CPU. The fleet's scanning work thus
// lands in one place, where its cost can be measured and bounded. An
// address already being scanned for another host is not probed twice: the
// later caller gets the same result.
//
// Each submission's scope guard allows exactly the addresses submitted
// (every one also passes the process's network fence); the template's
// Guard is not used.
type Shared struct {
	tmpl  func() *Scanner
	ports []uint16
	ctx   context.Context

	once   sync.Once
	eng    *Engine
	engErr error

	mu      sync.Mutex
	running map[netip.Addr]*future
}

// future is one address's scan, awaited by every caller that wants it.
type future struct {
	res  *Result
	err  error
	done chan struct{}
}

// NewShared returns a shared scanner of ports with tmpl's settings (Kind,
// Concurrency, Rate, Timeout, Retries, First, UDP, SSHPorts). Its engine
// runs until ctx ends.
func NewShared(ctx context.Context, tmpl *Scanner, ports []uint16) *Shared {
	kind, c, rate, timeout, retries, first, udp, ssh, portable := tmpl.Kind, tmpl.Concurrency, tmpl.Rate, tmpl.Timeout, tmpl.Retries, tmpl.First, tmpl.UDP, tmpl.SSHPorts, tmpl.portable
	return &Shared{tmpl: func() *Scanner {
		return &Scanner{Kind: kind, Concurrency: c, Rate: rate, Timeout: timeout, Retries: retries, First: first, UDP: udp, SSHPorts: ssh, portable: portable}
	}, ports: ports, ctx: ctx, running: map[netip.Addr]*future{}}
}

// Engine returns the shared engine, opening it on first use.
func (s *Shared) Engine() (*Engine, error) {
	s.once.Do(func() {
		s.eng, s.engErr = s.tmpl().ownEngine()
		if s.eng != nil {
			context.AfterFunc(s.ctx, s.eng.Close)
		}
	})
	return s.eng, s.engErr
}

// Scan submits addrs and waits for their results, in the order given.
// A caller that gives up (ctx) leaves the scan running for the others.
func (s *Shared) Scan(ctx context.Context, addrs []netip.Addr) ([]*Result, error) {
	if err := checkAll(Hosts(addrs...), addrs); err != nil {
		return nil, err
	}
	eng, err := s.Engine()
	if err != nil {
		return nil, err
	}
	futs := make([]*future, len(addrs))
	var mine []netip.Addr
	var started []*future
	s.mu.Lock()
	for i, a := range addrs {
		a = a.Unmap()
		f, ok := s.running[a]
		if !ok {
			f = &future{done: make(chan struct{})}
			s.running[a] = f
			mine, started = append(mine, a), append(started, f)
		}
		futs[i] = f
	}
	s.mu.Unlock()
	if len(mine) > 0 {
		go s.run(eng, mine, started)
	}
	out := make([]*Result, len(addrs))
	for i, f := range futs {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		if f.err != nil {
			return nil, f.err
		}
		out[i] = f.res
	}
	return out, nil
}

// run scans addrs on the shared engine and completes their futures.
func (s *Shared) run(eng *Engine, addrs []netip.Addr, futs []*future) {
	sc := s.tmpl()
	sc.Engine, sc.Guard = eng, Hosts(addrs...)
	res, err := sc.Scan(s.ctx, addrs, s.ports)
	s.mu.Lock()
	for _, a := range addrs {
		delete(s.running, a)
	}
	s.mu.Unlock()
	for i, f := range futs {
		f.err = err
		if len(res) == len(addrs) {
			f.res = res[i]
		}
		close(f.done)
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
