package scan

import (
	"container/heap"
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
// goroutine per socket: a probe is then five system calls and no scheduling,
// which is what lets a full range against a rejecting host finish in well
// under a second.

// flight is one connect in progress.
type flight struct {
	it       item
	fd       int
	seq      uint64
	start    time.Time
	deadline time.Time
}

// deadlines is a min-heap of flights by deadline. Finished flights stay in
// it until popped and are recognised by seq.
type deadlines []flight

func (d deadlines) Len() int           { return len(d) }
func (d deadlines) Less(i, j int) bool { return d[i].deadline.Before(d[j].deadline) }
func (d deadlines) Swap(i, j int)      { d[i], d[j] = d[j], d[i] }
func (d *deadlines) Push(x any)        { *d = append(*d, x.(flight)) }
func (d *deadlines) Pop() any {
	old := *d
	f := old[len(old)-1]
	*d = old[:len(old)-1]
	return f
}

// pass probes items with at most r.conc sockets in flight.
func (r *run) pass(ctx context.Context, items []item, attempt int) (answered int64, err error) {
	loops := min(runtime.GOMAXPROCS(0), 4, max(1, r.conc/16))
	var next, ans atomic.Int64
	errs := make([]error, loops)
	var wg sync.WaitGroup
	for i := range loops {
		budget := r.conc / loops
		if i < r.conc%loops {
			budget++
		}
		l := &loop{r: r, items: items, next: &next, ans: &ans, attempt: attempt, budget: max(budget, 1), inflight: map[int]flight{}}
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
	inflight map[int]flight
	heap     deadlines
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
		if !more && len(l.inflight) == 0 {
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
			l.complete(int(ev.Fd), now)
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
	ms := time.Until(l.heap[0].deadline).Milliseconds() + 1
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
		if len(l.inflight) >= l.budget {
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
	return true, len(l.inflight) < l.budget, nil
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
	fd, err := socketTo(t, it.port)
	if errors.Is(err, unix.EINPROGRESS) {
		// On a near host the reset is often processed before connect
		// returns: read it now and skip the epoll round trip.
		soerr, gerr := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if gerr != nil || soerr != int(unix.ECONNREFUSED) {
			return l.watch(it, fd)
		}
		err = unix.ECONNREFUSED
	}
	c, local := classify(err)
	if local {
		return l.shortage(it, err)
	}
	l.stalls = 0
	if fd >= 0 {
		closeSocket(fd, c == Open)
	}
	l.record(it, c, time.Since(started))
	return nil
}

func (l *loop) watch(it item, fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLERR | unix.EPOLLHUP, Fd: int32(fd)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		unix.Close(fd)
		return fmt.Errorf("scan: watching a socket: %w", err)
	}
	l.seq++
	now := time.Now()
	t := l.r.targets[it.target]
	f := flight{it: it, fd: fd, seq: l.seq, start: now, deadline: now.Add(t.est.timeout(l.attempt))}
	l.inflight[fd] = f
	heap.Push(&l.heap, f)
	return nil
}

// shortage handles this machine running out of sockets or ephemeral ports:
// the item waits for flights to finish. With none in flight it is fatal,
// since waiting cannot help.
func (l *loop) shortage(it item, err error) error {
	l.carry = &it
	l.stalls++
	if len(l.inflight) == 0 && l.stalls > 100 {
		t := l.r.targets[it.target]
		return fmt.Errorf("probing %s port %d: %w (out of local resources: lower --concurrency)", t.addr, it.port, err)
	}
	if len(l.inflight) == 0 {
		time.Sleep(time.Millisecond)
	}
	l.budget = max(1, len(l.inflight))
	return nil
}

func (l *loop) complete(fd int, now time.Time) {
	f, ok := l.inflight[fd]
	if !ok {
		return
	}
	delete(l.inflight, fd)
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && soerr != 0 {
		err = unix.Errno(soerr)
	}
	c, _ := classify(err)
	took := now.Sub(f.start)
	if c == Open {
		took = kernelRTT(fd, took)
	}
	closeSocket(fd, c == Open)
	l.record(f.it, c, took)
}

func (l *loop) expire(now time.Time) {
	for len(l.heap) > 0 && !l.heap[0].deadline.After(now) {
		f := heap.Pop(&l.heap).(flight)
		if cur, ok := l.inflight[f.fd]; ok && cur.seq == f.seq {
			delete(l.inflight, f.fd)
			closeSocket(f.fd, false)
			l.record(f.it, silent, 0)
		}
	}
}

// record stores a port's class; took > 0 is a round trip to learn from.
func (l *loop) record(it item, c Class, took time.Duration) {
	t := l.r.targets[it.target]
	if took > 0 && (c == Open || c == Closed) {
		t.est.observe(took)
	}
	t.class[it.port] = c
	if c != silent {
		l.ans.Add(1)
	}
	if c == Open {
		l.r.open.Add(1)
	}
	if l.attempt == 0 {
		l.r.done.Add(1)
	}
}

func (l *loop) closeAll() {
	for fd := range l.inflight {
		closeSocket(fd, false)
	}
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
