package scan

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
)

// TestSharedBatches: hosts that submit together are scanned in one batch
// by one scanner, each gets its own results in its own order, a shared
// address is probed once, and a target outside the fence is refused
// before anything is sent.
func TestSharedBatches(t *testing.T) {
	open := scantest.Loopback(t, 3)
	ports := slices.Clone(open)
	ports = append(ports, open[len(open)-1]+1) // likely closed
	slices.Sort(ports)

	sh := NewShared(context.Background(), &Scanner{Timeout: time.Second}, ports)
	a, b := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")
	var wg sync.WaitGroup
	got := make([][]*Result, 3)
	reqs := [][]netip.Addr{{a}, {b, a}, {b}}
	for i, req := range reqs {
		wg.Go(func() {
			res, err := sh.Scan(context.Background(), req)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			got[i] = res
		})
	}
	wg.Wait()
	for i, req := range reqs {
		if len(got[i]) != len(req) {
			t.Fatalf("request %d: %d results for %d addresses", i, len(got[i]), len(req))
		}
		for j, r := range got[i] {
			if r.Target != req[j] {
				t.Errorf("request %d result %d is %s, want %s", i, j, r.Target, req[j])
			}
		}
	}
	if !slices.Equal(got[0][0].Open, open) {
		t.Errorf("127.0.0.1 open %v, want %v", got[0][0].Open, open)
	}
	if got[0][0] != got[1][1] {
		t.Error("127.0.0.1 was scanned twice: a shared address must be probed once per batch")
	}
	if len(got[2][0].Open) != 0 {
		t.Errorf("127.0.0.2 open %v, want none", got[2][0].Open)
	}

	t.Setenv("CK8S_NETWORK_FENCE", "127.0.0.0/8,::1,198.18.0.0/15,2001:db8::/32")
	_, err := sh.Scan(context.Background(), []netip.Addr{netip.MustParseAddr("192.0.2.1")})
	if !errors.Is(err, ErrOutOfScope) {
		t.Fatalf("outside the fence: %v, want ErrOutOfScope", err)
	}
}
