package journal

import (
	"errors"

	"golang.org/x/sys/unix"
)

// alive reports whether pid exists. EPERM means it exists but belongs to
// someone else (the journal reader may run without sudo).
func alive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
