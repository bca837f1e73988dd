//go:build linux

package scan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sendBatch is how many SYNs one system call sends (sendmmsg).
const sendBatch = 64

// packets is the sender's reusable batch of SYNs of one family.
type packets struct {
	hdr   [sendBatch][20]byte
	sa4   [sendBatch]unix.RawSockaddrInet4
	sa6   [sendBatch]unix.RawSockaddrInet6
	iov   [sendBatch]unix.Iovec
	ctl   [sendBatch][unix.SizeofCmsghdr + unix.SizeofInet6Pktinfo + 4]byte // IPv6: the source address
	msgs  [sendBatch]unix.Mmsghdr
	tasks [sendBatch]task
	n     int
}

func newPackets(fam int) *packets {
	p := &packets{}
	for i := range p.msgs {
		p.iov[i].Base = &p.hdr[i][0]
		p.iov[i].SetLen(20)
		p.msgs[i].Hdr.Iov, p.msgs[i].Hdr.Iovlen = &p.iov[i], 1
		if fam == 0 {
			p.sa4[i].Family = unix.AF_INET
			p.msgs[i].Hdr.Name, p.msgs[i].Hdr.Namelen = (*byte)(unsafe.Pointer(&p.sa4[i])), unix.SizeofSockaddrInet4
		} else {
			p.sa6[i].Family = unix.AF_INET6
			p.msgs[i].Hdr.Name, p.msgs[i].Hdr.Namelen = (*byte)(unsafe.Pointer(&p.sa6[i])), unix.SizeofSockaddrInet6
			h := (*unix.Cmsghdr)(unsafe.Pointer(&p.ctl[i][0]))
			h.Level, h.Type = unix.IPPROTO_IPV6, unix.IPV6_PKTINFO
			h.SetLen(unix.CmsgLen(unix.SizeofInet6Pktinfo))
			p.msgs[i].Hdr.Control = &p.ctl[i][0]
			p.msgs[i].Hdr.SetControllen(unix.CmsgSpace(unix.SizeofInet6Pktinfo))
		}
	}
	return p
}

// send is one of the engine's senders: it takes SYNs of every pass in
// turn, as fast as the pacer allows, until none is left.
func (s *synEngine) send() {
	pk := [2]*packets{newPackets(0), newPackets(1)}
	var buf []task
	for {
		var left bool
		if buf, left = s.q.take(buf[:0], sendBatch, true); left {
			return
		}
		for len(buf) > 0 {
			select {
			case <-s.e.closed:
				for _, tk := range buf {
					tk.pw.fail(errEngineClosed)
				}
				s.q.take(nil, 0, true)
				return
			default:
			}
			n, wait := s.e.pace.take(len(buf))
			if n == 0 {
				time.Sleep(wait)
				continue
			}
			s.sendSome(pk, buf[:n])
			buf = buf[n:]
		}
	}
}

// sendSome crafts and sends a SYN per task (and the loss samples due
// with them); each destination passes the scope guard and the fence
// first, or nothing is crafted for it.
func (s *synEngine) sendSome(pk [2]*packets, tasks []task) {
	for _, tk := range tasks {
		r, t := tk.pw.r, tk.pw.r.targets[tk.it.target]
		if err := r.syn.inScope(r.s.Guard, t.addr); err != nil {
			tk.pw.fail(fmt.Errorf("probing %s port %d: %w", t.addr, tk.it.port, err))
			continue
		}
		src := r.syn.src[tk.it.target]
		if !src.IsValid() { // no route: what a connect would call unreachable
			r.record(tk.it, Filtered, 0, tk.pw.attempt, &tk.pw.ans)
			r.syn.answered()
			tk.pw.finish(1)
			continue
		}
		s.add(pk, tk, src, t.addr, r.syn.base+uint16(min(tk.pw.attempt, sampleSlot-1)))
		now := time.Since(r.start)
		r.syn.stampSent(tk.it.target, tk.it.port, now)
		if tk.pw.attempt != 0 {
			continue
		}
		if it, ok := r.syn.smp.due(now); ok {
			to := r.targets[it.target].addr
			if r.syn.inScope(r.s.Guard, to) == nil {
				s.add(pk, task{pw: tk.pw, it: it, smp: &r.syn.smp}, r.syn.src[it.target], to, r.syn.base+sampleSlot)
			}
		}
	}
	for fam, p := range pk {
		s.flush(fam, p)
	}
}

// add crafts one SYN into its family's batch, sending a full batch first.
func (s *synEngine) add(pk [2]*packets, tk task, src, dst netip.Addr, sport uint16) {
	fam := 0
	if dst.Is6() {
		fam = 1
	}
	p := pk[fam]
	if p.n == sendBatch {
		s.flush(fam, p)
	}
	craft(&p.hdr[p.n], s.key.cookie(src, dst, sport, tk.it.port), src, dst, sport, tk.it.port)
	if fam == 0 {
		p.sa4[p.n].Addr = dst.As4()
	} else {
		// The source given saves the kernel choosing one per packet
		// (a tenth of the CPU of an IPv6 scan).
		p.sa6[p.n].Addr = dst.As16()
		(*unix.Inet6Pktinfo)(unsafe.Pointer(&p.ctl[p.n][unix.SizeofCmsghdr])).Addr = src.As16()
	}
	p.tasks[p.n] = tk
	p.n++
}

// flush sends p's SYNs. A SYN the kernel refuses at once (no route, a
// local firewall) is classified like a refused connect; a full buffer
// is tried again.
func (s *synEngine) flush(fam int, p *packets) {
	for i := 0; i < p.n; {
		n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(s.raw[fam]), uintptr(unsafe.Pointer(&p.msgs[i])), uintptr(p.n-i), 0, 0, 0)
		if errno == 0 {
			s.sent(p.tasks[i : i+int(n)])
			i += int(n)
			continue
		}
		if errno == unix.EINTR || errno == unix.ENOBUFS || errno == unix.EAGAIN {
			continue
		}
		if errors.Is(errno, unix.EBADF) { // the engine closed
			for _, tk := range p.tasks[i:p.n] {
				tk.pw.fail(errEngineClosed)
			}
			break
		}
		tk := p.tasks[i]
		if tk.smp != nil { // a sample refused here tells nothing of the path
			i++
			continue
		}
		s.sent(p.tasks[i : i+1])
		c, _ := classify(errno)
		if c == silent {
			c = Filtered
		}
		tk.pw.r.record(tk.it, c, 0, tk.pw.attempt, &tk.pw.ans)
		tk.pw.r.syn.answered()
		i++
	}
	p.n = 0
}

// sent counts SYNs that left.
func (s *synEngine) sent(tasks []task) {
	for _, tk := range tasks {
		if tk.smp != nil {
			tk.smp.sent.Add(1)
			s.samplesSent.Add(1)
			continue
		}
		r := tk.pw.r
		r.s.probes.Add(1)
		r.targets[tk.it.target].probes.Add(1)
		if tk.pw.attempt == 0 {
			r.done.Add(1)
		} else {
			s.e.pace.retried(1, 0)
		}
		tk.pw.finish(1)
	}
}

// craft writes a 20-byte TCP SYN. The IPv4 checksum covers the pseudo
// header of src and dst; IPv6's is left to the kernel (IPV6_CHECKSUM).
func craft(h *[20]byte, seq uint32, src, dst netip.Addr, sport, dport uint16) {
	binary.BigEndian.PutUint16(h[0:], sport)
	binary.BigEndian.PutUint16(h[2:], dport)
	binary.BigEndian.PutUint32(h[4:], seq)
	binary.BigEndian.PutUint32(h[8:], 0)
	h[12], h[13] = 5<<4, tcpSYN
	binary.BigEndian.PutUint16(h[14:], 1024) // window, as nmap's SYNs
	binary.BigEndian.PutUint32(h[16:], 0)    // checksum, urgent pointer
	if dst.Is4() {
		binary.BigEndian.PutUint16(h[16:], checksum4(h, src.As4(), dst.As4()))
	}
}

func checksum4(h *[20]byte, src, dst [4]byte) uint16 {
	sum := uint32(unix.IPPROTO_TCP) + 20
	for i := 0; i < 4; i += 2 {
		sum += uint32(src[i])<<8 | uint32(src[i+1])
		sum += uint32(dst[i])<<8 | uint32(dst[i+1])
	}
	for i := 0; i < 20; i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
