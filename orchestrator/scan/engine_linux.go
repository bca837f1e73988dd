//go:build linux

package scan

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The engine drives non-blocking connects from a few event loops (one per
// CPU, each with its own epoll and share of the socket budget) instead of a
// goroutine per socket: a probe is then a few system calls and no
// scheduling. A closed port of a near host, the bulk of a scan against a
// rejecting host, costs two: a connect, and a second connect that reads
// the reset and readies the same socket for the next port.

// flight is one connect in progress; seq 0 is no flight.
type flight struct {
	it       item
	fd       int
	seq      uint64
	start    time.Time
	deadline time.Time
}

// deadline is a flight's place in the deadline heap.
type deadline struct {
	at  time.Time
	fd  int
	seq uint64
}

// deadlines is a min-heap of flights by deadline, typed rather than
// container/heap's, which would allocate per probe. Finished flights
// stay in it until popped and are recognised by seq.
type deadlines []deadline

func (d *deadlines) push(x deadline) {
	h := append(*d, x)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].at.Before(h[p].at) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	*d = h
}

func (d *deadlines) pop() deadline {
	h := *d
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && h[c+1].at.Before(h[c].at) {
			c++
		}
		if !h[c].at.Before(h[i].at) {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	*d = h
	return top
}

// flights holds the flights of a loop by fd.
type flights struct {
	byFD []flight
	n    int
}

func (f *flights) len() int { return f.n }

func (f *flights) add(x flight) {
	for x.fd >= len(f.byFD) {
		f.byFD = append(f.byFD, make([]flight, len(f.byFD)+64)...)
	}
	f.byFD[x.fd] = x
	f.n++
}

// take removes and returns the flight on fd, if it is seq (any, if 0).
func (f *flights) take(fd int, seq uint64) (flight, bool) {
	if fd >= len(f.byFD) || f.byFD[fd].seq == 0 || (seq != 0 && f.byFD[fd].seq != seq) {
		return flight{}, false
	}
	x := f.byFD[fd]
	f.byFD[fd] = flight{}
	f.n--
	return x, true
}

// nativePass probes items with at most r.conc sockets in flight, from
// epoll event loops.
func (r *run) nativePass(ctx context.Context, items []item, attempt int) (answered int64, err error) {
	loops := min(runtime.GOMAXPROCS(0), 4, max(1, r.conc/16))
	var next, ans atomic.Int64
	errs := make([]error, loops)
	var wg sync.WaitGroup
	for i := range loops {
		budget := r.conc / loops
		if i < r.conc%loops {
			budget++
		}
		l := &loop{r: r, items: items, next: &next, ans: &ans, attempt: attempt, budget: max(budget, 1)}
		wg.Go(func() { errs[i] = l.run(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return ans.Load(), ctx.Err()
}

// loop is one event loop of a pass.
type loop struct {
	r        *run
	items    []item
	next     *atomic.Int64
	ans      *atomic.Int64
	attempt  int
	budget   int
	ep       int
	seq      uint64
	inflight flights
	heap     deadlines
	socks    sockets
	carry    *item // an item a local shortage kept from starting
	stalls   int
}

func (l *loop) run(ctx context.Context) error {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("scan: creating epoll: %w", err)
	}
	l.ep = ep
	defer l.closeAll()
	events := make([]unix.EpollEvent, 256)
	for {
		if err := ctx.Err(); err != nil {
			return nil // pass reports ctx's error
		}
		more, room, err := l.fill()
		if err != nil {
			return err
		}
		if !more && l.inflight.len() == 0 {
			return nil
		}
		wait := l.waitMillis()
		if room {
			wait = 0 // more to start: only collect what has already answered
		}
		n, err := unix.EpollWait(l.ep, events, wait)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("scan: waiting on epoll: %w", err)
		}
		now := time.Now()
		for _, ev := range events[:max(n, 0)] {
			if err := l.complete(int(ev.Fd), now); err != nil {
				return fmt.Errorf("scan: watching a socket: %w", err)
			}
		}
		l.expire(now)
	}
}

// waitMillis sleeps until the earliest deadline, at most 10ms so that
// cancellation and the rate limiter are seen promptly.
func (l *loop) waitMillis() int {
	if len(l.heap) == 0 {
		return 1
	}
	ms := time.Until(l.heap[0].at).Milliseconds() + 1
	return int(min(max(ms, 0), 10))
}

// fillBatch bounds the connects started between two looks at the answers:
// an answer waits at most this many system calls before it is timed, which
// keeps the measured round trip (and so the timeout) honest under load.
const fillBatch = 64

// fill starts connects up to the budget; more reports work left to start
// and room that the budget still allows starting it now.
func (l *loop) fill() (more, room bool, err error) {
	for range fillBatch {
		if l.inflight.len() >= l.budget {
			return true, false, nil
		}
		it, ok := l.take()
		if !ok {
			return false, false, nil
		}
		if lim := l.r.lim; lim != nil && !lim.Allow() {
			l.carry = &it
			return true, false, nil
		}
		if err := l.start(it); err != nil {
			return true, false, err
		}
	}
	return true, l.inflight.len() < l.budget, nil
}

func (l *loop) take() (item, bool) {
	if c := l.carry; c != nil {
		l.carry = nil
		return *c, true
	}
	i := l.next.Add(1) - 1
	if i >= int64(len(l.items)) {
		return item{}, false
	}
	return l.items[i], true
}

// start opens a socket and begins the connect. Answers that come back at
// once (a local route error) are recorded here.
func (l *loop) start(it item) error {
	t := l.r.targets[it.target]
	l.r.s.probes.Add(1)
	t.probes.Add(1)
	started := time.Now()
	fd, err := l.socks.connect(t, it.port)
	if errors.Is(err, unix.EALREADY) {
		return l.watch(it, fd, started)
	}
	c, local := classify(err)
	if fd >= 0 {
		l.socks.done(t, fd, err)
	}
	if local {
		return l.shortage(it, err)
	}
	l.stalls = 0
	l.record(it, c, time.Since(started))
	return nil
}

func (l *loop) watch(it item, fd int, started time.Time) error {
	if err := l.socks.watch(l.ep, fd); err != nil {
		l.socks.close(fd, false)
		return fmt.Errorf("scan: watching a socket: %w", err)
	}
	l.seq++
	t := l.r.targets[it.target]
	f := flight{it: it, fd: fd, seq: l.seq, start: started, deadline: started.Add(t.est.timeout(l.attempt))}
	l.inflight.add(f)
	l.heap.push(deadline{at: f.deadline, fd: fd, seq: f.seq})
	return nil
}

// shortage handles this machine running out of sockets or ephemeral ports:
// the item waits for flights to finish. With none in flight it is fatal,
// since waiting cannot help.
func (l *loop) shortage(it item, err error) error {
	l.carry = &it
	l.stalls++
	if l.inflight.len() == 0 && l.stalls > 100 {
		t := l.r.targets[it.target]
		return fmt.Errorf("probing %s port %d: %w (out of local resources: lower --concurrency)", t.addr, it.port, err)
	}
	if l.inflight.len() == 0 {
		time.Sleep(time.Millisecond)
	}
	l.budget = max(1, l.inflight.len())
	return nil
}

func (l *loop) complete(fd int, now time.Time) error {
	f, ok := l.inflight.take(fd, 0)
	if !ok {
		return nil
	}
	t := l.r.targets[f.it.target]
	err := l.socks.again(t, f.it.port, fd)
	if errors.Is(err, unix.EALREADY) {
		// Still connecting (a spurious wake-up): watch it again.
		l.inflight.add(f)
		return l.socks.watch(l.ep, fd)
	}
	c, _ := classify(err)
	took := now.Sub(f.start)
	if c == Open {
		took = kernelRTT(fd, took)
	}
	l.socks.done(t, fd, err)
	l.record(f.it, c, took)
	return nil
}

func (l *loop) expire(now time.Time) {
	for len(l.heap) > 0 && !l.heap[0].at.After(now) {
		d := l.heap.pop()
		if f, ok := l.inflight.take(d.fd, d.seq); ok {
			l.socks.close(f.fd, false)
			l.record(f.it, silent, 0)
		}
	}
}

func (l *loop) record(it item, c Class, took time.Duration) {
	l.r.record(it, c, took, l.attempt, l.ans)
}

func (l *loop) closeAll() {
	for _, f := range l.inflight.byFD {
		if f.seq != 0 {
			l.socks.close(f.fd, false)
		}
	}
	l.socks.closeAll()
	unix.Close(l.ep)
}

// kernelRTT is the round trip the kernel measured for the handshake of a
// connected socket. On a host that drops all but a few ports these few are
// the only samples, and timing them through a busy event loop would
// inflate them (and every timeout after) by the loop's own latency.
func kernelRTT(fd int, fallback time.Duration) time.Duration {
	info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil || info.Rtt == 0 {
		return fallback
	}
	return time.Duration(info.Rtt) * time.Microsecond
}
