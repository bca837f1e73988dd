package scan_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// TestGuardRefusesOutOfScope proves the scope guard: addresses outside the
// allowed prefixes are refused, and not one connect is attempted, even when
// an allowed target is in the same call.
func TestGuardRefusesOutOfScope(t *testing.T) {
	for _, target := range []string{"8.8.8.8", "10.0.0.1", "192.168.1.1", "::ffff:8.8.8.8", "2001:4860:4860::8888", "fe80::1", "198.20.0.1"} {
		s := &scan.Scanner{Guard: scan.Guard{Allow: scan.LabPrefixes}}
		addr := netip.MustParseAddr(target)
		_, err := s.Scan(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.1"), addr}, []uint16{22, 80, 443})
		if !errors.Is(err, scan.ErrOutOfScope) {
			t.Errorf("scan of %s: err = %v, want ErrOutOfScope", target, err)
		}
		if n := s.Probes(); n != 0 {
			t.Errorf("scan of %s: %d connects attempted before the refusal", target, n)
		}
	}
}

func TestGuardAllows(t *testing.T) {
	g := scan.Guard{Allow: scan.LabPrefixes}
	for _, a := range []string{"198.18.0.1", "198.19.255.254", "2001:db8:1::2", "127.0.0.1", "::1", "::ffff:198.18.3.4"} {
		if err := g.Check(netip.MustParseAddr(a)); err != nil {
			t.Errorf("Check(%s) = %v, want allowed", a, err)
		}
	}
	h := scan.Hosts(netip.MustParseAddr("198.18.1.2"))
	if h.Check(netip.MustParseAddr("198.18.1.3")) == nil || h.Check(netip.MustParseAddr("198.18.1.2")) != nil {
		t.Error("Hosts guard must allow exactly its addresses")
	}
	if (scan.Guard{}).Check(netip.MustParseAddr("127.0.0.1")) == nil {
		t.Error("the zero Guard must allow nothing")
	}
}
