package lab

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// netnsExists reports whether ns is a live named namespace. `ip netns add`
// creates /run/netns/<ns> and then bind-mounts the namespace on it: one
// killed in between (an interrupted `lab up`) leaves a plain file, on which
// every later `ip -n ns` fails with "Invalid argument". Such a file is
// removed and reported as no namespace, so the next Up creates it again.
func netnsExists(ns string) bool {
	p := filepath.Join("/run/netns", ns)
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return false
	}
	if st.Type == unix.NSFS_MAGIC {
		return true
	}
	_ = os.Remove(p)
	return false
}
