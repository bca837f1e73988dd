package scan

import "syscall"

// RaiseNoFile raises the soft limit on open files to the hard limit, since
// every probe in flight holds a socket, and returns the new soft limit. It
// is best effort: on failure the current soft limit is returned.
func RaiseNoFile() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 1024
	}
	if l.Cur < l.Max {
		raised := l
		raised.Cur = l.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			return raised.Cur
		}
	}
	return l.Cur
}
