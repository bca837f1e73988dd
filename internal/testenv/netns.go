//go:build linux

package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// InNetNS runs open on a thread moved into the named network namespace (as
// `ip netns add` names it); the sockets open creates stay in that namespace
// after the thread moves back, so a test in the root namespace can listen
// or dial inside a lab host.
func InNetNS(netns string, open func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := os.Open(filepath.Join("/run/netns", netns))
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("entering netns %s: %w", netns, err)
	}
	oerr := open()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread is stuck in the other namespace: leave it locked so
		// the runtime ends it with this goroutine instead of reusing it.
		// Whatever open made is lost with it.
		return fmt.Errorf("leaving netns %s: %w", netns, err)
	}
	runtime.UnlockOSThread()
	return oerr
}
