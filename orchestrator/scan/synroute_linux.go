//go:build linux

package scan

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// register finds this machine's address toward each target (a connected
// UDP socket's local address: a route lookup, no packet sent), gives r a
// block of source ports and starts the readers.
func (s *synEngine) register(r *run, sr *synRun) error {
	sr.base = synPortLo + uint16(s.block.Add(1)%synBlocks)*synPorts
	sr.src = make([]netip.Addr, len(r.targets))
	for i, t := range r.targets {
		sr.src[i] = s.source(t.addr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range r.targets {
		s.byAddr[t.addr] = append(s.byAddr[t.addr], r)
	}
	if !s.reading {
		s.reading = true
		for fam := range 2 {
			s.readers.Go(func() { s.read(fam) })
		}
	}
	return nil
}

func (s *synEngine) unregister(r *run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range r.targets {
		rs := s.byAddr[t.addr]
		for i, x := range rs {
			if x == r {
				rs = append(rs[:i:i], rs[i+1:]...)
				break
			}
		}
		if len(rs) == 0 {
			delete(s.byAddr, t.addr)
		} else {
			s.byAddr[t.addr] = rs
		}
	}
}

func (s *synEngine) ignoredCount() int64 { return s.ignored.Load() }

func (s *synEngine) sampleCounts() (sent, answered int64) {
	return s.samplesSent.Load(), s.samplesAnswered.Load()
}

// source is this machine's address toward a (invalid: no route). Each
// lookup connects a fresh UDP socket: a socket connected once keeps the
// source address of its first destination through every later connect,
// so one reused socket would give every target the first one's source
// (a host behind another interface then gets SYNs with a wrong source,
// which it drops or answers elsewhere, and looks down).
func (s *synEngine) source(a netip.Addr) netip.Addr {
	var domain int
	var sa unix.Sockaddr
	if a.Is4() {
		domain, sa = unix.AF_INET, &unix.SockaddrInet4{Port: 9, Addr: a.As4()}
	} else {
		domain, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: 9, Addr: a.As16()}
	}
	fd, err := unix.Socket(domain, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return netip.Addr{}
	}
	defer unix.Close(fd)
	if unix.Connect(fd, sa) != nil {
		return netip.Addr{}
	}
	switch la, _ := unix.Getsockname(fd); la := la.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(la.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(la.Addr)
	}
	return netip.Addr{}
}
