package scan_test

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
)

// TestEngineShared: many Scan calls at once on one connect engine (as the
// scan phases of many hosts) never have more connects in flight than the
// engine's one budget, and each gets its own correct result.
func TestEngineShared(t *testing.T) {
	open := scantest.Loopback(t, 3)
	const budget = 48
	eng, err := scan.NewEngine(scan.EngineConnect, budget, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ports := mustPorts(t, "1-4000")
	ports = slices.Compact(slices.Sorted(slices.Values(append(ports, open...))))
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			a := netip.AddrFrom4([4]byte{127, 0, 0, byte(1 + i%3)})
			s := &scan.Scanner{Engine: eng, Guard: scan.Hosts(a)}
			res, err := s.Scan(context.Background(), []netip.Addr{a}, ports)
			if err != nil {
				t.Errorf("scan %d of %s: %v", i, a, err)
				return
			}
			r := res[0]
			want := []uint16{}
			if a == netip.MustParseAddr("127.0.0.1") {
				want = open
			}
			if got := slices.DeleteFunc(slices.Clone(r.Open), func(p uint16) bool { return !slices.Contains(open, p) }); !slices.Equal(got, want) {
				t.Errorf("scan %d of %s: open %s, want %s among them", i, a, scan.FormatPorts(r.Open), scan.FormatPorts(want))
			}
			if r.Engine != scan.EngineConnect || len(r.Open)+r.Closed+r.Filtered != len(ports) {
				t.Errorf("scan %d of %s: engine %s, %d ports classified of %d", i, a, r.Engine, len(r.Open)+r.Closed+r.Filtered, len(ports))
			}
		})
	}
	wg.Wait()
	st := eng.Stats()
	t.Logf("peak in flight %d of %d", st.PeakInFlight, st.Budget)
	if st.PeakInFlight > budget || st.PeakInFlight == 0 || st.InFlight != 0 {
		t.Errorf("peak in flight %d, now %d: want at most the budget %d, and none left", st.PeakInFlight, st.InFlight, budget)
	}
}

func TestParseEngineKind(t *testing.T) {
	for in, want := range map[string]scan.EngineKind{"": scan.EngineAuto, "auto": scan.EngineAuto, "syn": scan.EngineSYN, "connect": scan.EngineConnect} {
		if got, err := scan.ParseEngineKind(in); err != nil || got != want {
			t.Errorf("ParseEngineKind(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := scan.ParseEngineKind("fast"); err == nil {
		t.Error("ParseEngineKind(fast): want an error")
	}
}
