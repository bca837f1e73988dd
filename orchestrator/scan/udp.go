package scan

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"
)

// UDP is best effort, and reported as such: a UDP service answers only a
// datagram it understands, a closed port's ICMP "port unreachable" is
// rate-limited by the target's kernel, and a firewall that drops looks
// exactly like a service that ignores the probe. So a port is open only
// when something answered, closed only when the ICMP error came back, and
// otherwise open|filtered: reported, never judged.

// UDPResult is one target's UDP outcome, ports sorted in each class.
type UDPResult struct {
	Open         []uint16 `json:"open"`         // a datagram came back
	Closed       []uint16 `json:"closed"`       // ICMP port unreachable
	Filtered     []uint16 `json:"filtered"`     // another ICMP rejection
	OpenFiltered []uint16 `json:"openFiltered"` // no answer to any probe
	Probes       int      `json:"probes"`
}

// udpPayloads are probes a common service answers; other ports get an
// empty datagram (which some services answer, most ignore).
var udpPayloads = map[uint16][]byte{
	// DNS: a query for the root's NS records, recursion not desired.
	53: {0x43, 0x4b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1},
	// NTP: a version 3 client request (LI 0, VN 3, mode 3), 48 bytes.
	123: append([]byte{0x1b}, make([]byte, 47)...),
}

// scanUDP probes ports of every target over UDP, all at once: the lists
// are short, and each probe mostly waits.
func (r *run) scanUDP(ctx context.Context, ports []uint16) {
	if len(ports) == 0 {
		return
	}
	attempts := r.s.retries() + 1
	_, ceiling := r.s.timeouts()
	sem := make(chan struct{}, min(r.conc, 256))
	var wg sync.WaitGroup
	for _, t := range r.targets {
		classes := make([]Class, len(ports))
		var probes sync.WaitGroup
		for i, p := range ports {
			sem <- struct{}{}
			probes.Go(func() {
				defer func() { <-sem }()
				classes[i] = r.probeUDP(ctx, t, p, attempts, ceiling)
			})
		}
		wg.Go(func() {
			probes.Wait()
			t.udp = udpResult(ports, classes, int(t.udpProbes.Load()))
		})
	}
	wg.Wait()
}

// probeUDP sends up to attempts datagrams to one port over a connected
// socket (so that the kernel reports the ICMP error to it), each waiting
// longer for an answer: DefaultInitial doubled per attempt, up to ceiling.
// An answer to any of them counts.
func (r *run) probeUDP(ctx context.Context, t *target, port uint16, attempts int, ceiling time.Duration) Class {
	r.s.probes.Add(1)
	t.udpProbes.Add(1)
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(t.addr, port)))
	if err != nil {
		return udpClass(err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 1500)
	for attempt := range attempts {
		if attempt > 0 {
			r.s.probes.Add(1)
			t.udpProbes.Add(1)
		}
		if _, err := conn.Write(udpPayloads[port]); err != nil {
			if c := udpClass(err); c != silent {
				return c
			}
		}
		_ = conn.SetReadDeadline(time.Now().Add(min(DefaultInitial<<attempt, ceiling)))
		_, err := conn.Read(buf)
		if ctx.Err() != nil {
			return silent
		}
		if c := udpClass(err); c != silent {
			return c
		}
	}
	return silent
}

// udpClass maps a UDP read or write error: nil is an answer, a timeout is
// silence, the rest like a TCP connect's.
func udpClass(err error) Class {
	switch {
	case err == nil:
		return Open
	case errors.Is(err, os.ErrDeadlineExceeded):
		return silent
	}
	c, _ := classify(err)
	return c
}

func udpResult(ports []uint16, classes []Class, probes int) *UDPResult {
	u := &UDPResult{Open: []uint16{}, Closed: []uint16{}, Filtered: []uint16{}, OpenFiltered: []uint16{}, Probes: probes}
	for i, p := range ports {
		switch classes[i] {
		case Open:
			u.Open = append(u.Open, p)
		case Closed:
			u.Closed = append(u.Closed, p)
		case Filtered:
			u.Filtered = append(u.Filtered, p)
		default:
			u.OpenFiltered = append(u.OpenFiltered, p)
		}
	}
	for _, s := range [][]uint16{u.Open, u.Closed, u.Filtered, u.OpenFiltered} {
		slices.Sort(s)
	}
	return u
}
