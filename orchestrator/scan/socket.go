package scan

import "golang.org/x/sys/unix"

// socketTo opens a non-blocking TCP socket and starts connecting it to
// t's port. It returns the fd (or -1) and connect's error: EINPROGRESS
// for the usual case, nil or ECONNREFUSED for an answer at once.
func socketTo(t *target, port uint16) (int, error) {
	var sa unix.Sockaddr
	family := unix.AF_INET
	if t.addr.Is4() {
		sa = &unix.SockaddrInet4{Port: int(port), Addr: t.addr.As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(port), Addr: t.addr.As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, err
	}
	return fd, unix.Connect(fd, sa)
}

// closeSocket closes fd; a connected one is reset rather than shut down
// gracefully, so an open port leaves no TIME_WAIT behind on either side.
func closeSocket(fd int, connected bool) {
	if connected {
		_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	}
	unix.Close(fd)
}
