//go:build linux

package scan

import (
	"errors"

	"golang.org/x/sys/unix"
)

// sockets keeps one event loop's spare sockets: a TCP socket whose
// connect failed (a reset, an ICMP error) is back in the closed state and
// may connect again, which spares a socket and a close per closed port,
// most of a rejecting host's cost.
type sockets struct {
	spare    [2][]int // by family: IPv4, IPv6
	sa4      unix.SockaddrInet4
	sa6      unix.SockaddrInet6
	watching []bool // by fd: registered (one-shot) with the loop's epoll
}

// connect starts connecting a socket to t's port and looks once more for
// an answer that came back at once (on a near host the reset is often
// processed before connect returns). It returns the fd (or -1) and the
// outcome: EALREADY while the handshake is in flight, nil when connected,
// else the error that answered.
func (s *sockets) connect(t *target, port uint16) (int, error) {
	fam, sa := s.sockaddr(t, port)
	fd, err := s.get(fam)
	if err != nil {
		return -1, err
	}
	err = unix.Connect(fd, sa)
	if errors.Is(err, unix.EINPROGRESS) {
		err = unix.Connect(fd, sa)
	}
	return fd, connected(err)
}

// again asks a socket with an event for its outcome. A second connect
// reports it like getsockopt(SO_ERROR) would, and also returns a failed
// socket to the unconnected state, ready for reuse.
func (s *sockets) again(t *target, port uint16, fd int) error {
	_, sa := s.sockaddr(t, port)
	return connected(unix.Connect(fd, sa))
}

// connected maps "already connected" to success.
func connected(err error) error {
	if errors.Is(err, unix.EISCONN) {
		return nil
	}
	return err
}

func (s *sockets) sockaddr(t *target, port uint16) (int, unix.Sockaddr) {
	if t.addr.Is4() {
		s.sa4.Port, s.sa4.Addr = int(port), t.addr.As4()
		return 0, &s.sa4
	}
	s.sa6.Port, s.sa6.Addr = int(port), t.addr.As16()
	return 1, &s.sa6
}

func (s *sockets) get(fam int) (int, error) {
	if n := len(s.spare[fam]); n > 0 {
		fd := s.spare[fam][n-1]
		s.spare[fam] = s.spare[fam][:n-1]
		return fd, nil
	}
	domain := unix.AF_INET
	if fam == 1 {
		domain = unix.AF_INET6
	}
	return unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
}

// done disposes of fd after its outcome err: a failed connect leaves the
// socket reusable; a connected one or one still connecting is closed.
func (s *sockets) done(t *target, fd int, err error) {
	if err == nil || errors.Is(err, unix.EALREADY) || errors.Is(err, unix.EINPROGRESS) {
		s.close(fd, err == nil)
		return
	}
	fam, _ := s.sockaddr(t, 0)
	s.spare[fam] = append(s.spare[fam], fd)
}

// close closes fd; a connected one is reset rather than shut down
// gracefully, so an open port leaves no TIME_WAIT behind on either side.
func (s *sockets) close(fd int, connected bool) {
	if connected {
		_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	}
	if fd < len(s.watching) {
		s.watching[fd] = false
	}
	unix.Close(fd)
}

// watch arms a one-shot epoll event for fd's outcome. One-shot, because a
// spare socket in the closed state would otherwise report a hang-up on
// every wait.
func (s *sockets) watch(ep, fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLERR | unix.EPOLLHUP | unix.EPOLLONESHOT, Fd: int32(fd)}
	for fd >= len(s.watching) {
		s.watching = append(s.watching, make([]bool, len(s.watching)+64)...)
	}
	op := unix.EPOLL_CTL_ADD
	if s.watching[fd] {
		op = unix.EPOLL_CTL_MOD
	}
	if err := unix.EpollCtl(ep, op, fd, &ev); err != nil {
		return err
	}
	s.watching[fd] = true
	return nil
}

func (s *sockets) closeAll() {
	for _, fds := range s.spare {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
	s.spare = [2][]int{}
}
