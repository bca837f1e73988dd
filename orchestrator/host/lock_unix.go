//go:build unix

package host

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive flock, which also excludes other ck8sctl
// processes writing the same known_hosts file.
func lockFile(f *os.File) (unlock func(), err error) {
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		return nil, err
	}
	return func() { syscall.Flock(fd, syscall.LOCK_UN) }, nil
}

// fileOwner is the uid owning the file, -1 when unknown.
func fileOwner(fi os.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
