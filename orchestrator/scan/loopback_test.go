package scan_test

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
)

// TestLoopbackListeners needs no root: listeners on random loopback ports
// are found among every port of 127.0.0.1 and ::1.
func TestLoopbackListeners(t *testing.T) {
	if testing.Short() {
		t.Skip("full-range scan")
	}
	var want []uint16
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			if testenv.CI() {
				t.Fatalf("listening on %s: %v", addr, err)
			}
			t.Skipf("listening on %s: %v", addr, err)
		}
		defer ln.Close()
		scantest.Accept(ln)
		want = append(want, uint16(ln.Addr().(*net.TCPAddr).Port))
	}
	s := &scan.Scanner{Guard: scan.Guard{Allow: scan.LabPrefixes}}
	res, err := s.Scan(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, mustPorts(t, scan.AllPorts))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if !slices.Contains(r.Open, want[i]) {
			t.Errorf("%s: open %s, missing listener %d", r.Target, scan.FormatPorts(r.Open), want[i])
		}
		if r.Closed+r.Filtered+len(r.Open) != 65535 {
			t.Errorf("%s: %d+%d+%d ports classified, want 65535", r.Target, len(r.Open), r.Closed, r.Filtered)
		}
		t.Logf("%s: open %s closed %d filtered %d probes %d in %s (srtt %s)", r.Target, scan.FormatPorts(r.Open), r.Closed, r.Filtered, r.Probes, r.Duration, r.SRTT)
	}
}

func mustPorts(t testing.TB, s string) []uint16 {
	t.Helper()
	p, err := scan.ParsePorts(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
