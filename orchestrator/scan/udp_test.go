package scan_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
)

// TestGuardRefusesUDP: the guard covers UDP probes too.
func TestGuardRefusesUDP(t *testing.T) {
	s := &scan.Scanner{Guard: scan.Guard{Allow: scan.LabPrefixes}, UDP: []uint16{53, 123}}
	targets := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("9.9.9.9")}
	if _, err := s.Scan(context.Background(), targets, []uint16{22}); !errors.Is(err, scan.ErrOutOfScope) {
		t.Fatalf("err = %v, want ErrOutOfScope", err)
	}
	if n := s.Probes(); n != 0 {
		t.Fatalf("%d probes sent before the refusal", n)
	}
}

// TestLoopbackUDP needs no root: an echo service on loopback is open, a
// port with nothing bound is closed (loopback's ICMP is not rate-limited).
func TestLoopbackUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		if testenv.CI() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer pc.Close()
	scantest.Echo(pc)
	open := uint16(pc.LocalAddr().(*net.UDPAddr).Port)
	closed := freeUDPPort(t, func(a string) (net.PacketConn, error) { return net.ListenPacket("udp", a) }, "127.0.0.1:0")
	r := scanUDP(t, []netip.Addr{netip.MustParseAddr("127.0.0.1")}, 1, open, closed)[0]
	wantUDP(t, r, []uint16{open}, []uint16{closed}, nil)
}

// TestLabUDP: on a lab host an echo service answers (open), a port with
// nothing bound gets ICMP port unreachable (closed), and a port the
// host's firewall drops is open|filtered, on IPv4 and IPv6. An answering
// port not expected is non-compliant; open|filtered is not judged.
func TestLabUDP(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	listen := func(a string) (net.PacketConn, error) { return scantest.ListenPacketIn(h.NetNS, a) }
	pc, err := listen("[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	scantest.Echo(pc)
	open := uint16(pc.LocalAddr().(*net.UDPAddr).Port)
	closed := freeUDPPort(t, listen, "[::]:0")
	dropped := freeUDPPort(t, listen, "[::]:0")
	for _, ipt := range []string{"iptables", "ip6tables"} {
		rule := []string{ipt, "-A", "INPUT", "-p", "udp", "--dport", fmt.Sprint(dropped), "-j", "DROP"}
		if out, err := l.Exec(context.Background(), h, rule...); err != nil {
			t.Fatalf("%v: %v\n%s", rule, err, out)
		}
	}
	for _, r := range scanUDP(t, []netip.Addr{h.Addr4, h.Addr6}, uint16(h.Port), open, closed, dropped) {
		wantUDP(t, r, []uint16{open}, []uint16{closed}, []uint16{dropped})
		tcp := []uint16{uint16(h.Port)}
		judge := func(expect ...uint16) scan.Finding {
			return scan.Judged(h.Name, r, scan.FormatPorts(tcp), tcp).WithUDP(r, expect)
		}
		if f := judge(); f.Compliant || !slices.Equal(f.UDP.Unexpected, []uint16{open}) || !f.UDP.BestEffort {
			t.Errorf("%s: unexpected udp %d open: compliant %v, unexpected %v", r.Target, open, f.Compliant, f.UDP.Unexpected)
		}
		if f := judge(open, dropped); !f.Compliant {
			t.Errorf("%s: expecting udp %d and %d: not compliant: %v", r.Target, open, dropped, f.UDPProblems())
		}
		if f := judge(open, closed); f.Compliant || !slices.Equal(f.UDP.Missing, []uint16{closed}) {
			t.Errorf("%s: expected udp %d is closed: compliant %v, missing %v", r.Target, closed, f.Compliant, f.UDP.Missing)
		}
	}
}

// scanUDP scans TCP port tcp and the UDP ports of addrs.
func scanUDP(t *testing.T, addrs []netip.Addr, tcp uint16, ports ...uint16) []*scan.Result {
	t.Helper()
	ports = slices.Sorted(slices.Values(ports))
	s := &scan.Scanner{Guard: scan.Guard{Allow: scan.LabPrefixes}, UDP: ports}
	res, err := s.Scan(context.Background(), addrs, []uint16{tcp})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.UDP == nil {
			t.Fatalf("%s: no UDP result", r.Target)
		}
		t.Logf("%s: udp %+v", r.Target, *r.UDP)
	}
	return res
}

func wantUDP(t *testing.T, r *scan.Result, open, closed, openFiltered []uint16) {
	t.Helper()
	u := r.UDP
	if !slices.Equal(u.Open, open) || !slices.Equal(u.Closed, closed) || !slices.Equal(u.OpenFiltered, orEmpty(openFiltered)) || len(u.Filtered) > 0 {
		t.Errorf("%s: udp open %v closed %v open|filtered %v filtered %v; want open %v closed %v open|filtered %v",
			r.Target, u.Open, u.Closed, u.OpenFiltered, u.Filtered, open, closed, openFiltered)
	}
}

func orEmpty(p []uint16) []uint16 {
	if p == nil {
		return []uint16{}
	}
	return p
}

// freeUDPPort is a UDP port nothing is bound to (bound once, then freed).
func freeUDPPort(t *testing.T, listen func(string) (net.PacketConn, error), addr string) uint16 {
	t.Helper()
	pc, err := listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return uint16(pc.LocalAddr().(*net.UDPAddr).Port)
}
