// Package scantest opens listeners inside a lab host's network namespace
// from the test process itself: the socket is created on a thread moved
// into the namespace and keeps belonging to it after the thread moves
// back, so a test can serve anything (plain TCP, TLS) "on" a lab host
// without a helper process.
package scantest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// ListenIn listens on addr ("[::]:0", "198.18.1.2:443") inside the named
// network namespace (as `ip netns add` names it).
func ListenIn(netns, addr string) (net.Listener, error) {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("listening in %s: %w", netns, err)
	}
	defer orig.Close()
	target, err := os.Open(filepath.Join("/run/netns", netns))
	if err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("listening in %s: %w", netns, err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("entering netns %s: %w", netns, err)
	}
	ln, lerr := net.Listen("tcp", addr)
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread is stuck in the other namespace: leave it locked so
		// the runtime ends it with this goroutine instead of reusing it.
		if ln != nil {
			ln.Close()
		}
		return nil, fmt.Errorf("leaving netns %s: %w", netns, err)
	}
	runtime.UnlockOSThread()
	if lerr != nil {
		return nil, fmt.Errorf("listening on %s in %s: %w", addr, netns, lerr)
	}
	return ln, nil
}

// Accept accepts and closes connections on ln until it is closed, so
// handshakes complete like on a real service.
func Accept(ln net.Listener) {
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}
