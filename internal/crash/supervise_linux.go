package crash

import "syscall"

// selfPath is this very program even when its file was replaced or
// deleted since it started (an upgrade during a run).
const selfPath = "/proc/self/exe"

// childAttr kills the child with the supervisor: a `kill -9` of ck8sctl
// must still end the run's work, as it did before there were two
// processes. The death signal follows the thread that started the child,
// which Supervise locks.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
