//go:build linux

package scan

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The SYN engine: SYNs crafted here and sent on a raw socket per family
// (the kernel adds the IP header; IPv6 also fills the checksum), answers
// read from the same sockets by one goroutine per family and matched by
// their cookie (cookie.go). There is no socket per probe: the kernel,
// knowing no connection for a SYN-ACK's port, resets it by itself, so a
// probed service sees a half-open connection torn down at once.

// Source ports of SYNs: above the kernel's ephemeral range (32768-60999
// by default), so no local connection shares a port with a probe.
const (
	synPortLo = 61440
	synBlocks = (65536 - synPortLo) / synPorts
)

// synSenders is how many goroutines send SYNs: most of a SYN's cost is
// the kernel's (routing, the bridge, netfilter), so a second sender lets
// a second core carry it.
var synSenders = min(2, runtime.GOMAXPROCS(0))

// rawSocket opens a raw socket; tests replace it to act without
// CAP_NET_RAW.
var rawSocket = func(domain int) (int, error) {
	return unix.Socket(domain, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
}

type synEngine struct {
	e     *Engine
	key   cookieKey
	raw   [2]int // by family: IPv4, IPv6
	q     queue  // passes with SYNs to send; one sender serves them all
	block atomic.Uint32

	ignored atomic.Int64 // segments to a run's ports that are no answer to its SYNs

	samplesSent, samplesAnswered atomic.Int64 // loss samples of every run

	mu      sync.RWMutex
	byAddr  map[netip.Addr][]*run
	readers sync.WaitGroup
	reading bool
	senders sync.WaitGroup
}

// openSYN opens the raw sockets; without the privilege it fails with
// ErrNoRaw (wrapping the system's error).
func openSYN(e *Engine) (*synEngine, error) {
	s := &synEngine{e: e, key: newCookieKey(), raw: [2]int{-1, -1}, byAddr: map[netip.Addr][]*run{}}
	for fam, domain := range [2]int{unix.AF_INET, unix.AF_INET6} {
		fd, err := rawSocket(domain)
		if err != nil {
			s.close()
			if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
				return nil, fmt.Errorf("%w: %w", ErrNoRaw, err)
			}
			return nil, fmt.Errorf("%w: opening a raw socket: %w", ErrNoRaw, err)
		}
		s.raw[fam] = fd
		if err := setupRaw(fd, fam); err != nil {
			s.close()
			return nil, fmt.Errorf("%w: %w", ErrNoRaw, err)
		}
	}
	s.block.Store(uint32(time.Now().UnixNano()) % synBlocks)
	return s, nil
}

// setupRaw: IPv6 computes the TCP checksum in the kernel (offset 16); a
// large receive buffer holds a burst of answers; a filter passes only
// SYN-ACKs and resets to the engine's ports; a receive timeout lets the
// reader see that it may stop.
func setupRaw(fd, fam int) error {
	if fam == 1 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM, 16); err != nil {
			return fmt.Errorf("IPV6_CHECKSUM: %w", err)
		}
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 16<<20) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 16<<20)
	}
	if err := attachFilter(fd, fam); err != nil {
		return fmt.Errorf("attaching the answer filter: %w", err)
	}
	tv := unix.NsecToTimeval(int64(20 * time.Millisecond))
	return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
}

// close ends the readers and the sender (they see the engine closed
// within a receive timeout), then closes the sockets.
func (s *synEngine) close() {
	s.q.failAll(errEngineClosed)
	s.readers.Wait()
	s.senders.Wait()
	for _, fd := range s.raw {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// pass sends a SYN per item, then waits for the answers: until every item
// answered, or for the slowest target's timeout after the last SYN.
func (s *synEngine) pass(ctx context.Context, r *run, items []item, attempt int) (int64, error) {
	select {
	case <-s.e.closed:
		return 0, errEngineClosed
	default:
	}
	sr := r.syn
	sr.beginPass(len(items))
	pw := newPassWork(r, items, attempt)
	s.q.add(pw)
	for s.q.start(synSenders) {
		s.senders.Go(s.send)
	}
	select {
	case <-pw.done:
	case <-ctx.Done():
		s.q.drop(pw)
		return sr.got.Load(), ctx.Err()
	}
	if pw.err != nil {
		return 0, pw.err
	}
	wait := time.NewTimer(r.slowest(attempt))
	defer wait.Stop()
	select {
	case <-wait.C:
	case <-sr.all:
	case <-ctx.Done():
		return sr.got.Load(), ctx.Err()
	}
	for _, it := range items {
		t := r.targets[it.target]
		t.mu.Lock()
		if t.class[it.port] == unprobed {
			t.class[it.port] = silent
		}
		t.mu.Unlock()
	}
	return sr.got.Load(), nil
}

// slowest is the longest probe timeout of r's targets.
func (r *run) slowest(attempt int) time.Duration {
	var d time.Duration
	for _, t := range r.targets {
		d = max(d, t.est.timeout(attempt))
	}
	return d
}
