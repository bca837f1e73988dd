//go:build linux

package scan

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// shortage handles this machine running out of sockets or ephemeral ports:
// the task waits for flights to finish, this loop's (it only starts as
// many as it has in flight) or, with none of its own, any loop's. Waiting
// is on completions, never a polling sleep; with nothing finishing for
// shortageWait the pass fails, since waiting cannot help.
func (l *loop) shortage(tk task, err error) error {
	l.carry = append([]task{tk}, l.carry...)
	l.budget = max(1, l.inflight.len())
	if l.inflight.len() > 0 {
		return nil
	}
	select {
	case <-l.c.e.freed:
		return nil
	case <-l.c.e.closed:
		return nil
	case <-time.After(shortageWait):
	}
	t := tk.pw.r.targets[tk.it.target]
	tk.pw.fail(fmt.Errorf("probing %s port %d: %w (out of local resources: lower --concurrency)", t.addr, tk.it.port, err))
	l.carry = l.carry[1:]
	return nil
}

func (l *loop) complete(fd int, now time.Time) error {
	f, ok := l.inflight.take(fd, 0)
	if !ok {
		return nil
	}
	t := f.t.pw.r.targets[f.t.it.target]
	err := l.socks.again(t, f.t.it.port, fd)
	if errors.Is(err, unix.EALREADY) {
		// Still connecting (a spurious wake-up): watch it again.
		l.inflight.add(f)
		return l.socks.watch(l.ep, fd)
	}
	l.c.e.flying(-1)
	c, _ := classify(err)
	took := now.Sub(f.start)
	if c == Open {
		took = kernelRTT(fd, took)
	}
	l.socks.done(t, fd, err)
	l.record(f.t, c, took)
	return nil
}

func (l *loop) expire(now time.Time) {
	for len(l.heap) > 0 && !l.heap[0].at.After(now) {
		d := l.heap.pop()
		if f, ok := l.inflight.take(d.fd, d.seq); ok {
			l.c.e.flying(-1)
			l.socks.close(f.fd, false)
			l.record(f.t, silent, 0)
		}
	}
}

// record stores the answer and lets a loop short of sockets go on.
func (l *loop) record(tk task, c Class, took time.Duration) {
	tk.pw.r.record(tk.it, c, took, tk.pw.attempt, &tk.pw.ans)
	tk.pw.finish(1)
	if l.budget < l.c.e.conc {
		l.budget++
	}
	l.c.e.released()
}

// fail ends the passes of this loop's flights and every queued one.
func (l *loop) fail(err error) {
	for _, f := range l.inflight.byFD {
		if f.seq != 0 {
			f.t.pw.fail(err)
		}
	}
	for _, tk := range l.carry {
		tk.pw.fail(err)
	}
	l.c.q.failAll(err)
}

func (l *loop) closeAll() {
	for _, f := range l.inflight.byFD {
		if f.seq != 0 {
			l.c.e.flying(-1)
			l.socks.close(f.fd, false)
		}
	}
	l.inflight = flights{}
	l.socks.closeAll()
	if l.ep > 0 {
		unix.Close(l.ep)
	}
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
