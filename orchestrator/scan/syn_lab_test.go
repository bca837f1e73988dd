//go:build linux

package scan_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// TestSYNMatchesConnect: on a DROP host and on a REJECT host, IPv4 and
// IPv6, the SYN engine finds exactly the open ports the connect engine
// finds (sshd, 80, 443 and a random listener; the decoys are shielded),
// classifies the rest alike, and each result names its engine. Meanwhile
// the DROP host forges SYN-ACKs and resets with a wrong acknowledgment to
// every source port the engine may use, from shielded ports: they are
// ignored, not taken for open or closed ports.
func TestSYNMatchesConnect(t *testing.T) {
	l := labtest.New(t, 2)
	for i, reject := range []bool{false, true} {
		h := l.Hosts[i]
		want := []uint16{uint16(h.Port), 80, 443}
		ln := listenRandom(t, h, &want)
		defer ln.Close()
		slices.Sort(want)
		firewall(t, l, h, reject, want[len(want)-1])
	}
	stop := forge(t, l.Hosts[0], l.Gateway4, 5432, 6443)
	eng, err := scan.NewEngine(scan.EngineSYN, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	addrs := []netip.Addr{l.Hosts[0].Addr4, l.Hosts[0].Addr6, l.Hosts[1].Addr4, l.Hosts[1].Addr6}
	syn := scanAll(t, &scan.Scanner{Engine: eng, First: []uint16{22, 80, 443}}, addrs...)
	forged := stop()
	conn := scanAll(t, &scan.Scanner{Kind: scan.EngineConnect, First: []uint16{22, 80, 443}}, addrs...)
	for i := range addrs {
		s, c := syn[i], conn[i]
		if s.Engine != scan.EngineSYN || c.Engine != scan.EngineConnect {
			t.Errorf("%s: engines %q and %q, want syn and connect", s.Target, s.Engine, c.Engine)
		}
		if s.Heard == nil || *s.Heard < len(s.Open) || c.Heard != nil {
			t.Errorf("%s: heard %v (syn) and %v (connect): want the SYN engine to count what came back", s.Target, s.Heard, c.Heard)
		}
		if !slices.Equal(s.Open, c.Open) || s.Closed != c.Closed || s.Filtered != c.Filtered {
			t.Errorf("%s: syn open %s closed %d filtered %d; connect open %s closed %d filtered %d", s.Target,
				scan.FormatPorts(s.Open), s.Closed, s.Filtered, scan.FormatPorts(c.Open), c.Closed, c.Filtered)
		}
		wantOpen(t, s, c.Open)
	}
	if st := eng.Stats(); forged == 0 || st.Ignored == 0 {
		t.Errorf("%d forged answers sent, %d ignored: the forgeries did not reach the engine", forged, st.Ignored)
	}
}

// forge sends, from inside h until stop is called, a SYN-ACK from port
// synAck and a reset from port rst to every port the SYN engine may send
// from, each with an acknowledgment number that is no cookie. stop
// returns how many were sent.
func forge(t *testing.T, h lab.Host, to netip.Addr, synAck, rst uint16) (stop func() int) {
	t.Helper()
	var fd int
	err := testenv.InNetNS(h.NetNS, func() (err error) {
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_TCP)
		return err
	})
	if err != nil {
		t.Fatalf("raw socket in %s: %v", h.Name, err)
	}
	var sent atomic.Int64
	done, quit := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		sa := &unix.SockaddrInet4{Addr: to.As4()}
		var pkt [20]byte
		for {
			for port := 61440; port < 65536; port++ {
				select {
				case <-quit:
					return
				default:
				}
				from, flags := synAck, byte(0x12)
				if port%2 == 1 {
					from, flags = rst, 0x14
				}
				scan.Craft(&pkt, rand.Uint32(), h.Addr4, to, from, uint16(port))
				pkt[13] = flags
				binary.BigEndian.PutUint32(pkt[8:], rand.Uint32()) // the wrong ack
				binary.BigEndian.PutUint16(pkt[16:], 0)
				binary.BigEndian.PutUint16(pkt[16:], checksum(pkt, h.Addr4, to))
				if unix.Sendto(fd, pkt[:], 0, sa) == nil {
					sent.Add(1)
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return func() int {
		close(quit)
		<-done
		unix.Close(fd)
		return int(sent.Load())
	}
}

func checksum(h [20]byte, src, dst netip.Addr) uint16 {
	s, d := src.As4(), dst.As4()
	sum := uint32(6 + 20)
	for i := 0; i < 4; i += 2 {
		sum += uint32(s[i])<<8 | uint32(s[i+1]) + uint32(d[i])<<8 | uint32(d[i+1])
	}
	for i := 0; i < 20; i += 2 {
		sum += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// TestSYNAdaptsToLoss: a host that drops three in ten SYNs at random (an
// nft numgen rule) makes the retries find answers the first probes lost:
// the rate comes down from its ceiling, and the result is still exact.
func TestSYNAdaptsToLoss(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	testenv.RequireCommand(t, "nft")
	for _, rule := range []string{
		"add table inet loss",
		"add chain inet loss in { type filter hook input priority -10 ; }",
		"add rule inet loss in tcp flags syn numgen random mod 10 < 3 drop",
	} {
		if out, err := l.Exec(context.Background(), h, "nft", rule); err != nil {
			t.Fatalf("nft %s: %v\n%s", rule, err, out)
		}
	}
	const ceiling = 40000
	eng, err := scan.NewEngine(scan.EngineSYN, 0, ceiling)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s := &scan.Scanner{Engine: eng, Retries: 14, Guard: scan.Guard{Allow: scan.LabPrefixes}}
	res, err := s.Scan(context.Background(), []netip.Addr{h.Addr4}, mustPorts(t, "1-20000"))
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	st := eng.Stats()
	t.Logf("open %s closed %d filtered %d, %d probes, %d retry passes; rate %0.f, lowest %0.f of %0.f",
		scan.FormatPorts(r.Open), r.Closed, r.Filtered, r.Probes, r.Retries, st.Rate, st.MinRate, st.Ceiling)
	if want := decoysAndSSH(h); !slices.Equal(r.Open, want) || r.Closed != 20000-len(want) {
		t.Errorf("open %s closed %d, want open %s and every other port closed", scan.FormatPorts(r.Open), r.Closed, scan.FormatPorts(want))
	}
	if st.MinRate >= ceiling {
		t.Errorf("lowest rate %0.f: the loss did not lower it below the ceiling %d", st.MinRate, ceiling)
	}
	if st.LossSamplesAnswered >= st.LossSamples || r.Retries == 0 {
		t.Errorf("%d of %d loss samples answered, %d retry passes: want samples lost and the retries made", st.LossSamplesAnswered, st.LossSamples, r.Retries)
	}
}

// TestEngineBudget: scans of a DROP host started side by side on one
// connect engine (the scan phases of several hosts) fill its one
// in-flight budget and never exceed it, and each finds the open ports.
func TestEngineBudget(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	firewall(t, l, h, false)
	const budget = 40
	eng, err := scan.NewEngine(scan.EngineConnect, budget, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	var wg sync.WaitGroup
	for i := range 6 {
		a := []netip.Addr{h.Addr4, h.Addr6}[i%2]
		wg.Go(func() {
			s := &scan.Scanner{Engine: eng, Guard: scan.Hosts(a), First: []uint16{22}, Retries: -1}
			res, err := s.Scan(context.Background(), []netip.Addr{a}, mustPorts(t, "1-600"))
			if err != nil {
				t.Errorf("scan %d: %v", i, err)
				return
			}
			if want := slices.Sorted(slices.Values([]uint16{uint16(h.Port), 80, 443})); !slices.Equal(res[0].Open, want) {
				t.Errorf("scan %d of %s: open %s, want %s", i, a, scan.FormatPorts(res[0].Open), scan.FormatPorts(want))
			}
		})
	}
	wg.Wait()
	st := eng.Stats()
	t.Logf("peak in flight %d of %d", st.PeakInFlight, st.Budget)
	if st.PeakInFlight != budget || st.InFlight != 0 {
		t.Errorf("peak in flight %d, now %d: want the budget %d reached, never passed, and none left", st.PeakInFlight, st.InFlight, budget)
	}
}

// TestSYNSourcePerRoute: one SYN engine scans hosts of two labs, which
// this machine reaches through two bridges with two addresses: each
// host, in turn and then together, answers the SYNs sent from the address
// its own route gives, and shows its open ports. (A route lookup on a
// reused socket once gave every target the first one's source: the
// second lab's hosts looked down.)
func TestSYNSourcePerRoute(t *testing.T) {
	a, b := labtest.New(t, 1), labtest.New(t, 1)
	eng, err := scan.NewEngine(scan.EngineSYN, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ports := mustPorts(t, "1-100,443,5432,6443,8080,9100,10250")
	want := func(h lab.Host) []uint16 {
		return slices.DeleteFunc(decoysAndSSH(h), func(p uint16) bool { return !slices.Contains(ports, p) })
	}
	ha, hb := a.Hosts[0], b.Hosts[0]
	for _, hosts := range [][]lab.Host{{ha}, {hb}, {hb, ha}} {
		var addrs []netip.Addr
		for _, h := range hosts {
			addrs = append(addrs, h.Addr4, h.Addr6)
		}
		s := &scan.Scanner{Engine: eng, Guard: scan.Guard{Allow: scan.LabPrefixes}}
		res, err := s.Scan(context.Background(), addrs, ports)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if w := want(hosts[i/2]); !slices.Equal(r.Open, w) {
				t.Errorf("%s (scanned with %v): open %s, want %s", r.Target, addrs, scan.FormatPorts(r.Open), scan.FormatPorts(w))
			}
		}
	}
}

// TestSYNLossSamples: a full-range scan of a DROP host learns the path's
// loss from the samples its first pass carries; when none is lost it
// makes no retry pass (half the probes of a drop host) and still finds
// exactly the open ports; a lost sample means the retry runs as before.
// (TestSYNAdaptsToLoss has the lossy path.) The rate is kept low, so
// that this lab path drops nothing and the pass lasts long enough for the
// samples (at most 100 a second to a port) to add up. The host counts the engine's SYNs
// per port: sshd's port gets none of the samples, only its probes.
func TestSYNLossSamples(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	firewall(t, l, h, false)
	testenv.RequireCommand(t, "nft")
	for _, rule := range []string{
		"add table inet count",
		"add chain inet count in { type filter hook input priority -300 ; }",
		fmt.Sprintf("add rule inet count in tcp sport >= 61440 tcp dport %d tcp flags & (syn | ack) == syn counter", h.Port),
		"add rule inet count in tcp sport >= 61440 tcp dport 80 tcp flags & (syn | ack) == syn counter",
	} {
		if out, err := l.Exec(context.Background(), h, "nft", rule); err != nil {
			t.Fatalf("nft %s: %v\n%s", rule, err, out)
		}
	}
	eng, err := scan.NewEngine(scan.EngineSYN, 0, 20000)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	res := scanAll(t, &scan.Scanner{Engine: eng, First: []uint16{22, 80, 443}}, h.Addr4, h.Addr6)
	st := eng.Stats()
	t.Logf("%d loss samples, %d answered", st.LossSamples, st.LossSamplesAnswered)
	if st.LossSamples < 1000 {
		t.Fatalf("%d loss samples in a 6 s first pass: want over a thousand", st.LossSamples)
	}
	lossless := st.LossSamplesAnswered >= st.LossSamples
	for _, r := range res {
		wantOpen(t, r, slices.Sorted(slices.Values([]uint16{uint16(h.Port), 80, 443})))
		switch {
		case lossless && (r.Retries != 0 || r.Probes >= 2*65535):
			t.Errorf("%s: no sample lost, yet %d retry pass(es) and %d probes", r.Target, r.Retries, r.Probes)
		case !lossless && r.Retries == 0:
			t.Errorf("%s: %d of %d samples lost, yet no retry pass", r.Target, st.LossSamples-st.LossSamplesAnswered, st.LossSamples)
		}
	}
	out, err := l.Exec(context.Background(), h, "nft", "list", "table", "inet", "count")
	if err != nil {
		t.Fatalf("nft list: %v\n%s", err, out)
	}
	counts := regexp.MustCompile(`dport (\d+) .*packets (\d+)`).FindAllStringSubmatch(string(out), -1)
	if len(counts) != 2 {
		t.Fatalf("counters:\n%s", out)
	}
	ssh, web := counts[0][2], counts[1][2]
	t.Logf("SYNs from the engine's ports: %s to sshd's port, %s to port 80", ssh, web)
	// One probe per family, and as many more as retry passes ran.
	if want := fmt.Sprint(2 + res[0].Retries + res[1].Retries); ssh != want {
		t.Errorf("sshd's port got %s SYNs, want %s: loss samples went to the SSH port", ssh, want)
	}
	if n, _ := strconv.Atoi(web); n < 100 {
		t.Errorf("port 80 got %d SYNs: want the loss samples there", n)
	}

	// An address of the lab's subnet where no host lives: nothing comes
	// back, and the result says so.
	gone := netip.AddrFrom4([4]byte{h.Addr4.As4()[0], h.Addr4.As4()[1], h.Addr4.As4()[2], 250})
	s := &scan.Scanner{Engine: eng, Guard: scan.Guard{Allow: scan.LabPrefixes}, Retries: -1}
	res, err = s.Scan(context.Background(), []netip.Addr{gone}, mustPorts(t, "22,80,443"))
	if err != nil {
		t.Fatal(err)
	}
	f := scan.Judged("", res[0], "22,80,443", nil)
	if f.Reachable || !strings.Contains(f.Silence(), "nothing came back") {
		t.Errorf("%s (no host): reachable %v, %q: want nothing heard", gone, f.Reachable, f.Silence())
	}
}

// TestSYNEveryPortBlock: consecutive runs of one engine take consecutive
// blocks of source ports, so as many runs as there are blocks use each
// once; every one of them finds the host's open port and its closed one.
// The last block (65528-65535) once matched no answer, and its run's
// host looked silent although every answer came back.
func TestSYNEveryPortBlock(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	eng, err := scan.NewEngine(scan.EngineSYN, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s := &scan.Scanner{Engine: eng, Guard: scan.Guard{Allow: scan.LabPrefixes}}
	ports := mustPorts(t, fmt.Sprintf("1,%d", h.Port))
	for i := range scan.PortBlocks {
		res, err := s.Scan(context.Background(), []netip.Addr{h.Addr4}, ports)
		if err != nil {
			t.Fatal(err)
		}
		r := res[0]
		if !slices.Equal(r.Open, []uint16{uint16(h.Port)}) || r.Closed != 1 {
			t.Fatalf("run %d of %d: open %s, closed %d, heard %v: want %d open and 1 closed",
				i+1, scan.PortBlocks, scan.FormatPorts(r.Open), r.Closed, *r.Heard, h.Port)
		}
	}
}
