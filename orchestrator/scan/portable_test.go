package scan_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
)

// loopbackPorts listens on n ports of 127.0.0.1 and also finds a port
// that was just freed (closed). It returns the listening ports and the
// closed one.
func loopbackPorts(t *testing.T, n int) (open []uint16, closed uint16) {
	t.Helper()
	for range n + 1 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := uint16(ln.Addr().(*net.TCPAddr).Port)
		if len(open) == n {
			ln.Close()
			return open, p
		}
		t.Cleanup(func() { ln.Close() })
		scantest.Accept(ln)
		open = append(open, p)
	}
	return open, closed
}

// TestPortableFindsListeners scans loopback with the portable engine (the
// one macOS uses) and the native one: both find exactly the listeners
// open and classify every other port.
func TestPortableFindsListeners(t *testing.T) {
	open, closed := loopbackPorts(t, 3)
	ports := append(slices.Clone(open), closed)
	slices.Sort(ports)
	lo := netip.MustParseAddr("127.0.0.1")
	for name, s := range map[string]*scan.Scanner{
		"portable": scan.Portable(&scan.Scanner{Guard: scan.Hosts(lo), Concurrency: 2}),
		"native":   {Guard: scan.Hosts(lo), Concurrency: 2, Kind: scan.EngineConnect},
	} {
		res, err := s.Scan(context.Background(), []netip.Addr{lo}, ports)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := res[0]
		want := slices.Sorted(slices.Values(open))
		if !slices.Equal(r.Open, want) || r.Closed != 1 || r.Filtered != 0 {
			t.Errorf("%s: open %v closed %d filtered %d, want open %v closed 1 (port %d)", name, r.Open, r.Closed, r.Filtered, want, closed)
		}
		if !r.Reachable() || r.Probes != len(ports) || s.Probes() != int64(len(ports)) {
			t.Errorf("%s: reachable %v, %d probes (scanner %d), want %d", name, r.Reachable(), r.Probes, s.Probes(), len(ports))
		}
	}
}

// TestPortableManyPorts runs more probes than workers on both loopback
// families, so the pool's bound and the shared budget are exercised.
func TestPortableManyPorts(t *testing.T) {
	open, _ := loopbackPorts(t, 1)
	ports := []uint16{open[0]}
	for p := uint16(1); len(ports) < 300; p++ {
		if p != open[0] {
			ports = append(ports, p)
		}
	}
	slices.Sort(ports)
	s := scan.Portable(&scan.Scanner{Guard: scan.Guard{Allow: scan.LabPrefixes}, Concurrency: 16})
	targets := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil { // IPv6 loopback, where there is one
		ln.Close()
		targets = append(targets, netip.MustParseAddr("::1"))
	}
	res, err := s.Scan(context.Background(), targets, ports)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res[0].Open, open[0]) {
		t.Errorf("127.0.0.1: open %v, missing listener %d", res[0].Open, open[0])
	}
	for _, r := range res {
		if n := len(r.Open) + r.Closed + r.Filtered; n != len(ports) {
			t.Errorf("%s: %d ports classified, want %d", r.Target, n, len(ports))
		}
	}
}

// TestPortableGuardAndFence: the portable engine is behind the same scope
// guard and network fence as the native one; a refused call sends nothing.
func TestPortableGuardAndFence(t *testing.T) {
	t.Setenv(fence.Env, "127.0.0.0/8")
	for _, target := range []string{"8.8.8.8", "::1"} { // ::1: allowed by the guard, not the fence
		s := scan.Portable(&scan.Scanner{Guard: scan.Guard{Allow: scan.LabPrefixes}})
		_, err := s.Scan(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr(target)}, []uint16{22, 80})
		if !errors.Is(err, scan.ErrOutOfScope) {
			t.Errorf("scan of %s: err = %v, want ErrOutOfScope", target, err)
		}
		if target == "::1" && !errors.Is(err, fence.ErrOutside) {
			t.Errorf("scan of ::1: err = %v, want the fence's refusal", err)
		}
		if n := s.Probes(); n != 0 {
			t.Errorf("scan of %s: %d connects before the refusal", target, n)
		}
	}
}

// TestPortableCancel: a cancelled scan returns promptly with ctx's error.
func TestPortableCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := scan.Portable(&scan.Scanner{Guard: scan.Guard{Allow: scan.LabPrefixes}, Rate: 10})
	start := time.Now()
	_, err := s.Scan(ctx, []netip.Addr{netip.MustParseAddr("127.0.0.1")}, []uint16{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("err = %v after %s, want context.Canceled at once", err, time.Since(start))
	}
}
