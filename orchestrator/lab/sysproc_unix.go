//go:build unix

package lab

import (
	"fmt"
	"os"
	"syscall"
)

// detached puts a child in its own session (and so its own process group),
// so signals to the terminal that ran `lab up` never reach lab hosts.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// lockFile takes an exclusive flock on path (created if missing); the lock
// goes with the returned file's Close.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// kill signals pid; a process that is already gone is success.
func kill(pid int, sig syscall.Signal) error {
	if err := syscall.Kill(pid, sig); err != nil && err != syscall.ESRCH {
		return err
	}
	return nil
}

// fileID identifies a file (here: a namespace) by device and inode.
type fileID struct{ dev, ino uint64 }

func statID(path string) (fileID, bool) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return fileID{}, false
	}
	return fileID{uint64(st.Dev), st.Ino}, true
}

// checkOwnDir refuses a lab dir that someone other than root could write:
// its authorized_keys lets whoever edits it log in as root to lab hosts, and
// lab hosts share this machine's filesystem.
func checkOwnDir(dir string) error {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return err
	}
	if st.Uid != 0 || st.Mode&0o022 != 0 {
		return fmt.Errorf("lab dir %s must be owned by root and writable only by root (its keys grant root on lab hosts): "+
			"chown root %[1]s && chmod go-w %[1]s, or remove it", dir)
	}
	return nil
}
