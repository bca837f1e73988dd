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

// source is this machine's address toward a (invalid: no route).
func (s *synEngine) source(a netip.Addr) netip.Addr {
	var fam int
	var sa unix.Sockaddr
	if a.Is4() {
		sa = &unix.SockaddrInet4{Port: 9, Addr: a.As4()}
	} else {
		fam, sa = 1, &unix.SockaddrInet6{Port: 9, Addr: a.As16()}
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if unix.Connect(s.route[fam], sa) != nil {
		return netip.Addr{}
	}
	switch la, _ := unix.Getsockname(s.route[fam]); la := la.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(la.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(la.Addr)
	}
	return netip.Addr{}
}
