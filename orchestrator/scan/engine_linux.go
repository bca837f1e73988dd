//go:build linux

package scan

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// The connect engine drives non-blocking connects from a few event loops
// (one per CPU, each with its own epoll) instead of a goroutine per
// socket: a probe is then a few system calls and no scheduling. The loops
// serve every run of the Engine from one queue under one in-flight budget,
// and stop when there is nothing left to do. A closed port of a near
// host, the bulk of a scan against a rejecting host, costs two system
// calls: a connect, and a second connect that reads the reset and readies
// the same socket for the next port.

type connEngine struct {
	e     *Engine
	q     queue
	loops int
}

func newConnEngine(e *Engine) *connEngine {
	return &connEngine{e: e, loops: min(runtime.GOMAXPROCS(0), 4, max(1, e.conc/16))}
}

// pass submits items and waits until every one is classified.
func (c *connEngine) pass(ctx context.Context, r *run, items []item, attempt int) (int64, error) {
	if len(items) == 0 {
		return 0, nil
	}
	pw := newPassWork(r, items, attempt)
	c.q.add(pw)
	for c.q.start(c.loops) {
		l := &loop{c: c, budget: c.e.conc}
		go l.run()
	}
	select {
	case <-pw.done:
		if pw.err != nil {
			return 0, pw.err
		}
		return pw.ans.Load(), ctx.Err()
	case <-ctx.Done():
		c.q.drop(pw)
		return pw.ans.Load(), ctx.Err()
	}
}

// loop is one event loop of the engine.
type loop struct {
	c        *connEngine
	ep       int
	seq      uint64
	inflight flights
	heap     deadlines
	socks    sockets
	carry    []task // taken, not started yet
	budget   int    // lowered after a local shortage
}

func (l *loop) run() {
	defer l.closeAll()
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		l.c.q.failAll(fmt.Errorf("scan: creating epoll: %w", err))
		l.c.q.take(nil, 0, true)
		return
	}
	l.ep = ep
	events := make([]unix.EpollEvent, 256)
	for {
		select {
		case <-l.c.e.closed:
			l.c.q.take(nil, 0, true)
			return
		default:
		}
		more, room, err := l.fill()
		if err == nil && !more {
			return // counted as stopped by fill's take
		}
		if err == nil {
			err = l.wait(events, room)
		}
		if err != nil {
			l.fail(err)
			l.c.q.take(nil, 0, true)
			return
		}
	}
}

// wait collects answers and expired flights; with room to start more it
// only looks at what has already answered.
func (l *loop) wait(events []unix.EpollEvent, room bool) error {
	ms := l.waitMillis()
	if room {
		ms = 0
	}
	n, err := unix.EpollWait(l.ep, events, ms)
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
	return nil
}

// waitMillis sleeps until the earliest deadline, at most 10ms so that new
// work, cancellation and the rate limiter are seen promptly.
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

// fill starts connects within the budget; more reports work left (taken
// or queued, or flights to wait for) and room that the budget still
// allows starting some now.
func (l *loop) fill() (more, room bool, err error) {
	for range fillBatch {
		if l.inflight.len() >= l.budget {
			return true, false, nil
		}
		if len(l.carry) == 0 {
			idle := l.inflight.len() == 0
			var left bool
			if l.carry, left = l.c.q.take(l.carry, 16, idle); left {
				return false, false, nil
			}
			if len(l.carry) == 0 {
				return true, false, nil // flights to wait for
			}
		}
		if ok, _ := l.c.e.pace.take(1); ok == 0 {
			return true, false, nil
		}
		if !l.c.e.reserve() {
			return true, false, nil
		}
		tk := l.carry[0]
		l.carry = l.carry[1:]
		if err := l.start(tk); err != nil {
			return true, false, err
		}
	}
	return true, l.inflight.len() < l.budget, nil
}

// start opens a socket and begins the connect. Answers that come back at
// once (a local route error) are recorded here.
func (l *loop) start(tk task) error {
	t := tk.pw.r.targets[tk.it.target]
	tk.pw.r.s.probes.Add(1)
	t.probes.Add(1)
	started := time.Now()
	fd, err := l.socks.connect(t, tk.it.port)
	if errors.Is(err, unix.EALREADY) {
		return l.watch(tk, fd, started)
	}
	l.c.e.flying(-1)
	c, local := classify(err)
	if fd >= 0 {
		l.socks.done(t, fd, err)
	}
	if local {
		return l.shortage(tk, err)
	}
	l.record(tk, c, time.Since(started))
	return nil
}

func (l *loop) watch(tk task, fd int, started time.Time) error {
	if err := l.socks.watch(l.ep, fd); err != nil {
		l.socks.close(fd, false)
		l.c.e.flying(-1)
		return fmt.Errorf("scan: watching a socket: %w", err)
	}
	l.seq++
	t := tk.pw.r.targets[tk.it.target]
	f := flight{t: tk, fd: fd, seq: l.seq, start: started, deadline: started.Add(t.est.timeout(tk.pw.attempt))}
	l.inflight.add(f)
	l.heap.push(deadline{at: f.deadline, fd: fd, seq: f.seq})
	return nil
}
