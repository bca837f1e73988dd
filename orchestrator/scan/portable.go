package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The portable engine: a bounded pool of workers, each running one
// non-blocking connect at a time through Go's network poller (kqueue on
// macOS, epoll on Linux). A probe costs a goroutine switch and a timer
// more than in the event loops, which matters on a full-range scan of a
// rejecting host and not at all on a laptop checking a few hosts.

// portablePass probes items with at most r.conc connects in flight.
func (r *run) portablePass(ctx context.Context, items []item, attempt int) (int64, error) {
	workers := max(1, min(r.conc, len(items)))
	var next, ans atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{r: r, items: items, next: &next, ans: &ans, attempt: attempt}
		wg.Go(func() { errs[i] = w.run(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return ans.Load(), ctx.Err()
}

// worker is one connect slot of the pool.
type worker struct {
	r       *run
	items   []item
	next    *atomic.Int64
	ans     *atomic.Int64
	attempt int
}

func (w *worker) run(ctx context.Context) error {
	for ctx.Err() == nil {
		i := w.next.Add(1) - 1
		if i >= int64(len(w.items)) {
			return nil
		}
		if !w.slot(ctx) {
			return nil // cancelled: pass reports ctx's error
		}
		err := w.probe(ctx, w.items[i])
		<-w.r.eng.sem
		w.r.eng.flying(-1)
		w.r.eng.released()
		if err != nil {
			return err
		}
	}
	return nil
}

// slot waits for the pacer and for a place in the engine's in-flight
// budget, which every run of the engine shares.
func (w *worker) slot(ctx context.Context) bool {
	for {
		ok, wait := w.r.eng.pace.take(1)
		if ok == 1 {
			break
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
	select {
	case w.r.eng.sem <- struct{}{}:
		w.r.eng.reserve()
		return true
	case <-ctx.Done():
		return false
	}
}

// probe connects once to it's port and records the answer. An error of
// this machine (out of sockets) is retried until shortageWait has passed,
// as other workers' sockets close: it waits for one to finish, not on a
// polling sleep.
func (w *worker) probe(ctx context.Context, it item) error {
	t := w.r.targets[it.target]
	give := time.Now().Add(shortageWait)
	for {
		c, took, err := w.connect(ctx, t, it.port)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrOutOfScope) {
			return fmt.Errorf("probing %s port %d: %w", t.addr, it.port, err)
		}
		if _, local := classify(err); !local {
			w.r.record(it, c, took, w.attempt, w.ans)
			return nil
		}
		if time.Now().After(give) {
			return fmt.Errorf("probing %s port %d: %w (out of local resources: lower --concurrency)", t.addr, it.port, err)
		}
		select {
		case <-w.r.eng.freed:
		case <-ctx.Done():
		case <-time.After(time.Until(give)):
		}
	}
}

// connect dials t's port with the probe's timeout. An open port's
// connection is reset rather than closed gracefully, so it leaves no
// TIME_WAIT behind on either side.
func (w *worker) connect(ctx context.Context, t *target, port uint16) (Class, time.Duration, error) {
	w.r.s.probes.Add(1)
	t.probes.Add(1)
	d := net.Dialer{Timeout: t.est.timeout(w.attempt), Control: w.inScope}
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(t.addr, port).String())
	took := time.Since(start)
	if err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		conn.Close()
	}
	c, _ := classify(err)
	return c, took, err
}

// inScope checks the socket's destination against the scanner's guard
// once more, just before connect: Scan has refused out-of-scope targets
// already, and this keeps the dialer from reaching anything else even if a
// name or a mapped address slipped through.
func (w *worker) inScope(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrOutOfScope, address)
	}
	return w.r.s.Guard.Check(ap.Addr())
}
