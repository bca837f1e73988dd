//go:build linux

package scan

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// TCP flags of answers.
const (
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// attachFilter lets through only what may answer a probe: a SYN-ACK or a
// reset to one of the engine's source ports. A raw TCP socket otherwise
// gets a copy of every TCP segment this machine receives (SSH, loopback
// traffic of other programs); the kernel drops those before the copy.
// IPv4 segments start with the IP header, IPv6 ones with TCP's.
func attachFilter(fd, fam int) error {
	prog := []bpf.Instruction{
		bpf.LoadConstant{Dst: bpf.RegX, Val: 0},
	}
	if fam == 0 {
		prog = []bpf.Instruction{bpf.LoadMemShift{Off: 0}} // X = IP header length
	}
	prog = append(prog,
		bpf.LoadIndirect{Off: 2, Size: 2}, // destination port
		bpf.JumpIf{Cond: bpf.JumpLessThan, Val: synPortLo, SkipTrue: 5},
		bpf.LoadIndirect{Off: 13, Size: 1}, // flags
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: tcpSYN | tcpRST | tcpACK},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: tcpSYN | tcpACK, SkipTrue: 1},
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: tcpRST, SkipFalse: 1},
		bpf.RetConstant{Val: 128}, // enough for the headers
		bpf.RetConstant{Val: 0},
	)
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return err
	}
	f := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		f[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]})
}

// recvBatch is how many answers one system call reads.
const recvBatch = 64

// read takes answers of family fam until no run is registered or the
// engine closes.
func (s *synEngine) read(fam int) {
	var (
		bufs  [recvBatch][128]byte
		names [recvBatch]unix.RawSockaddrInet6
		iovs  [recvBatch]unix.Iovec
		msgs  [recvBatch]unix.Mmsghdr
	)
	for i := range msgs {
		iovs[i].Base = &bufs[i][0]
		iovs[i].SetLen(len(bufs[i]))
		msgs[i].Hdr.Iov, msgs[i].Hdr.Iovlen = &iovs[i], 1
		msgs[i].Hdr.Name = (*byte)(unsafe.Pointer(&names[i]))
	}
	for !s.idle() {
		for i := range msgs {
			msgs[i].Hdr.Namelen = unix.SizeofSockaddrInet6
		}
		n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(s.raw[fam]), uintptr(unsafe.Pointer(&msgs[0])), recvBatch, 0, 0, 0)
		if errno != 0 {
			if errno == unix.EAGAIN || errno == unix.EINTR {
				continue
			}
			if !errors.Is(errno, unix.EBADF) {
				time.Sleep(10 * time.Millisecond) // not expected; do not spin on it
			}
			continue
		}
		now := time.Now()
		for i := range int(n) {
			b := bufs[i][:msgs[i].Len]
			if fam == 0 {
				s.answer4(b, now)
			} else {
				s.answer6(b, names[i].Addr, now)
			}
		}
	}
}

// idle stops the readers when no run is left (or the engine closed).
func (s *synEngine) idle() bool {
	select {
	case <-s.e.closed:
		return true
	default:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byAddr) == 0 {
		s.reading = false
		return true
	}
	return false
}

func (s *synEngine) answer4(b []byte, now time.Time) {
	if len(b) < 20 {
		return
	}
	ihl := int(b[0]&0xf) * 4
	if len(b) < ihl+20 {
		return
	}
	s.answer(netip.AddrFrom4([4]byte(b[12:16])), b[ihl:], now)
}

func (s *synEngine) answer6(b []byte, from [16]byte, now time.Time) {
	if len(b) < 20 {
		return
	}
	s.answer(netip.AddrFrom16(from), b, now)
}

// answer classifies one segment from addr: a SYN-ACK is a port to
// confirm, a reset a closed port; anything whose acknowledgment is not
// the probe's cookie plus one is not an answer to the engine's probes.
func (s *synEngine) answer(addr netip.Addr, tcp []byte, now time.Time) {
	port, ours := binary.BigEndian.Uint16(tcp[0:2]), binary.BigEndian.Uint16(tcp[2:4])
	ack, flags := binary.BigEndian.Uint32(tcp[8:12]), tcp[13]
	c := Closed
	if flags&(tcpSYN|tcpACK) == tcpSYN|tcpACK {
		c = synAck
	}
	s.mu.RLock()
	var r *run
	ti := -1
	for _, x := range s.byAddr[addr] {
		xi := x.targetIndex(addr)
		if xi < 0 {
			continue
		}
		x.targets[xi].heard.Add(1)
		if r == nil && x.syn.owns(ours) {
			r, ti = x, xi
		}
	}
	s.mu.RUnlock()
	if r == nil {
		return
	}
	if ack-1 != s.key.cookie(r.syn.src[ti], addr, ours, port) {
		s.ignored.Add(1)
		return
	}
	if ours == r.syn.base+sampleSlot {
		r.syn.smp.answered.Add(1)
		s.samplesAnswered.Add(1)
		return
	}
	t := r.targets[ti]
	t.mu.Lock()
	fresh := t.class[port] == unprobed || t.class[port] == silent
	if fresh {
		t.class[port] = c
	}
	t.mu.Unlock()
	if !fresh {
		return
	}
	if ours == r.syn.base && !r.syn.noSample(port) {
		r.syn.smp.add(item{int32(ti), port})
	}
	if d := r.syn.rttOf(int32(ti), port, now.Sub(r.start)); d > 0 {
		t.est.observe(d)
	}
	if ours != r.syn.base {
		r.eng.pace.retried(0, 1)
	}
	r.syn.answered()
}
