package scan_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
)

// decoysAndSSH is what an unhardened lab host exposes.
func decoysAndSSH(h lab.Host) []uint16 {
	out := []uint16{uint16(h.Port)}
	for _, p := range lab.DecoyPorts {
		out = append(out, uint16(p))
	}
	slices.Sort(out)
	return out
}

func scanAll(t *testing.T, s *scan.Scanner, addrs ...netip.Addr) []*scan.Result {
	t.Helper()
	if s.Guard.Allow == nil {
		s.Guard = scan.Guard{Allow: scan.LabPrefixes}
	}
	res, err := s.Scan(context.Background(), addrs, mustPorts(t, scan.AllPorts))
	if err != nil {
		t.Fatalf("scan %v: %v", addrs, err)
	}
	for _, r := range res {
		t.Logf("%s: open %s, closed %d, filtered %d, %d probes, %d retry pass(es), srtt %s, %s",
			r.Target, scan.FormatPorts(r.Open), r.Closed, r.Filtered, r.Probes, r.Retries, r.SRTT, r.Duration.Round(time.Millisecond))
	}
	return res
}

func wantOpen(t *testing.T, r *scan.Result, want []uint16) {
	t.Helper()
	if !slices.Equal(r.Open, want) {
		t.Errorf("%s: open %s, want exactly %s", r.Target, scan.FormatPorts(r.Open), scan.FormatPorts(want))
	}
	if n := len(r.Open) + r.Closed + r.Filtered; n != 65535 {
		t.Errorf("%s: %d ports classified, want 65535", r.Target, n)
	}
}

// TestLabScan: a lab host exposes exactly its decoys and sshd, on IPv4 and
// IPv6 alike; then random listeners the test adds on random high ports are
// all found, over several random sets.
func TestLabScan(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	for _, r := range scanAll(t, &scan.Scanner{}, h.Addr4, h.Addr6) {
		wantOpen(t, r, decoysAndSSH(h))
		if r.Closed != 65535-len(r.Open) {
			t.Errorf("%s: %d closed, want every other port closed (no firewall)", r.Target, r.Closed)
		}
	}
	for round := range 5 {
		want := decoysAndSSH(h)
		var lns []net.Listener
		for range 8 {
			lns = append(lns, listenRandom(t, h, &want))
		}
		slices.Sort(want)
		res := scanAll(t, &scan.Scanner{}, h.Addr4, h.Addr6)
		for _, ln := range lns {
			ln.Close()
		}
		for _, r := range res {
			if !slices.Equal(r.Open, want) {
				t.Fatalf("round %d: %s: open %s, want %s", round, r.Target, scan.FormatPorts(r.Open), scan.FormatPorts(want))
			}
		}
	}
}

// listenRandom listens on a free random port in 1024..65535 on every
// address of h (IPv4 and IPv6) and adds it to want.
func listenRandom(t *testing.T, h lab.Host, want *[]uint16) net.Listener {
	t.Helper()
	for {
		p := uint16(1024 + rand.IntN(65535-1024))
		if slices.Contains(*want, p) {
			continue
		}
		ln, err := scantest.ListenIn(h.NetNS, fmt.Sprintf("[::]:%d", p))
		if err != nil {
			continue // taken in the host: pick another
		}
		scantest.Accept(ln)
		*want = append(*want, p)
		return ln
	}
}

// firewall sets a default-deny INPUT policy inside h that lets through
// sshd, the expected ports, the extra ports and answers; the rest is
// dropped (reject false) or rejected (reject true).
func firewall(t *testing.T, l *lab.Lab, h lab.Host, reject bool, extra ...uint16) {
	t.Helper()
	ports := fmt.Sprintf("%d,80,443", h.Port)
	for _, p := range extra {
		ports += fmt.Sprintf(",%d", p)
	}
	for _, ipt := range []string{"iptables", "ip6tables"} {
		rules := [][]string{
			{"-A", "INPUT", "-i", "lo", "-j", "ACCEPT"},
			{"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
			{"-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", ports, "-j", "ACCEPT"},
		}
		if ipt == "ip6tables" {
			rules = append(rules, []string{"-A", "INPUT", "-p", "ipv6-icmp", "-j", "ACCEPT"}) // neighbour discovery
		}
		if reject {
			// A reset, as a REJECT host answers a connect; ICMP errors
			// are rate-limited by the kernel (icmp_msgs_per_sec).
			rules = append(rules, []string{"-A", "INPUT", "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"})
		}
		rules = append(rules, []string{"-P", "INPUT", "DROP"})
		for _, r := range rules {
			if out, err := l.Exec(context.Background(), h, append([]string{ipt}, r...)...); err != nil {
				t.Fatalf("%s %v on %s: %v\n%s", ipt, r, h.Name, err, out)
			}
		}
	}
}

// TestLabFirewalled: behind a DROP policy and behind a REJECT policy the
// scan finds exactly the allowed listeners (decoys the firewall lets
// through, sshd and a random extra listener), classifies the rest filtered
// or closed, and the DROP scan stays fast.
func TestLabFirewalled(t *testing.T) {
	l := labtest.New(t, 2)
	for i, reject := range []bool{false, true} {
		h := l.Hosts[i]
		want := []uint16{uint16(h.Port), 80, 443}
		ln := listenRandom(t, h, &want)
		defer ln.Close()
		slices.Sort(want)
		firewall(t, l, h, reject, want[len(want)-1])
		start := time.Now()
		res := scanAll(t, &scan.Scanner{First: []uint16{22, 80, 443}}, h.Addr4, h.Addr6)
		took := time.Since(start)
		for _, r := range res {
			wantOpen(t, r, want)
			if reject && r.Closed != 65535-len(want) {
				t.Errorf("REJECT: %s: %d closed, want %d", r.Target, r.Closed, 65535-len(want))
			}
			if !reject && r.Filtered != 65535-len(want) {
				t.Errorf("DROP: %s: %d filtered, want %d", r.Target, r.Filtered, 65535-len(want))
			}
		}
		// A hang guard only: the speed target is measured by make bench
		// (against nmap), not by a timed test on a shared 2-core machine.
		if !reject && took > 90*time.Second {
			t.Errorf("DROP scan of two addresses took %s: stuck on silent ports?", took)
		}
	}
}

// TestCancel: cancelling the context stops a scan of a dropping host
// promptly, with the context's error.
func TestCancel(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	firewall(t, l, h, false)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	s := &scan.Scanner{Guard: scan.Guard{Allow: scan.LabPrefixes}}
	start := time.Now()
	_, err := s.Scan(ctx, []netip.Addr{h.Addr4}, mustPorts(t, scan.AllPorts))
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("cancelled scan returned after %s", took)
	}
}
