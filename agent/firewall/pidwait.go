package firewall

import (
	"errors"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// pidWait is a handle on one process (a pidfd, Linux 5.3+): it signals
// exactly that process, never another that got its pid, and waits for its
// exit without looking every few milliseconds. Without pidfds (fd < 0) it
// falls back to the pid and to polling alive.
type pidWait struct {
	pid, fd int
	alive   func() bool
}

// openPidWait opens the handle before the caller checks the process's
// identity: once that check passes, the pidfd is that process's for good.
func openPidWait(pid int, alive func() bool) pidWait {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		fd = -1
	}
	return pidWait{pid: pid, fd: fd, alive: alive}
}

func (w pidWait) close() {
	if w.fd >= 0 {
		unix.Close(w.fd)
	}
}

func (w pidWait) signal(sig syscall.Signal) error {
	if w.fd >= 0 {
		return unix.PidfdSendSignal(w.fd, sig, nil, 0)
	}
	return syscall.Kill(w.pid, sig)
}

// exited reports whether the process ended within d.
func (w pidWait) exited(d time.Duration) bool {
	end := time.Now().Add(d)
	if w.fd < 0 {
		for ; time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if !w.alive() {
				return true
			}
		}
		return !w.alive()
	}
	fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
	for {
		left := max(time.Until(end), 0)
		n, err := unix.Poll(fds, int(left.Milliseconds()))
		if errors.Is(err, unix.EINTR) && left > 0 {
			continue
		}
		return err == nil && n > 0
	}
}
