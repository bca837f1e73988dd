// Package scantest opens listeners inside a lab host's network namespace
// from the test process itself: the socket is created on a thread moved
// into the namespace and keeps belonging to it after the thread moves
// back, so a test can serve anything (plain TCP, TLS) "on" a lab host
// without a helper process.
package scantest

import (
	"fmt"
	"net"
	"slices"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// ListenIn listens on addr ("[::]:0", "198.18.1.2:443") inside the named
// network namespace (as `ip netns add` names it).
func ListenIn(netns, addr string) (net.Listener, error) {
	var ln net.Listener
	err := testenv.InNetNS(netns, func() (err error) {
		ln, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listening on %s in %s: %w", addr, netns, err)
	}
	return ln, nil
}

// ListenPacketIn opens a UDP socket on addr inside the named network
// namespace.
func ListenPacketIn(netns, addr string) (net.PacketConn, error) {
	var pc net.PacketConn
	err := testenv.InNetNS(netns, func() (err error) {
		pc, err = net.ListenPacket("udp", addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listening on udp %s in %s: %w", addr, netns, err)
	}
	return pc, nil
}

// Echo answers every datagram on pc with its own bytes until pc is
// closed, like a UDP service that understood the probe.
func Echo(pc net.PacketConn) {
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
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

// Loopback opens n accepting listeners on 127.0.0.1, closed when the test
// ends, and returns their ports in order.
func Loopback(t testing.TB, n int) []uint16 {
	t.Helper()
	var open []uint16
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		Accept(ln)
		open = append(open, uint16(ln.Addr().(*net.TCPAddr).Port))
	}
	slices.Sort(open)
	return open
}
