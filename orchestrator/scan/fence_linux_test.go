//go:build linux

package scan

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestSYNFence proves the scope guard of the SYN engine with a packet
// counter. In a throwaway network namespace whose only link is a veth
// pair with both ends inside (nothing sent there can leave it), with a route to an
// address outside the fence (192.0.2.1) and one to an address inside
// (198.18.255.2), an nft rule counts the packets to each: a scan of the
// inside one is counted (the counter works), a scan naming the outside
// one is refused with ErrOutOfScope, and so is a run that slipped past
// Scan's own check, at the packet: not one packet reaches it.
func TestSYNFence(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip", "nft")
	t.Setenv("CK8S_NETWORK_FENCE", "127.0.0.0/8,::1,198.18.0.0/15,2001:db8::/32")
	ns := fmt.Sprintf("ck8s-fence-%d", testPID())
	sh(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	for _, c := range [][]string{
		{"link", "add", "d0", "type", "veth", "peer", "name", "d1"}, {"link", "set", "d0", "up"}, {"link", "set", "d1", "up"}, {"link", "set", "lo", "up"},
		{"addr", "add", "198.18.255.1/24", "dev", "d0"}, {"route", "add", "192.0.2.0/24", "dev", "d0"},
	} {
		sh(t, append([]string{"ip", "-n", ns}, c...)...)
	}
	sh(t, "ip", "netns", "exec", ns, "nft", "-f", "-", "<<", `table ip fence {
	chain out {
		type filter hook output priority 0;
		ip daddr 192.0.2.1 counter
		ip daddr 198.18.255.2 counter
	}
}`)
	var eng *Engine
	err := testenv.InNetNS(ns, func() (err error) { eng, err = NewEngine(EngineSYN, 0, 0); return err })
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	inside, outside := netip.MustParseAddr("198.18.255.2"), netip.MustParseAddr("192.0.2.1")
	ports := []uint16{22, 80, 443}
	s := &Scanner{Engine: eng, Guard: Guard{Allow: LabPrefixes}, Retries: -1, Timeout: 50e6}
	if _, err := s.Scan(context.Background(), []netip.Addr{inside}, ports); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scan(context.Background(), []netip.Addr{inside, outside}, ports); !errors.Is(err, ErrOutOfScope) {
		t.Errorf("scan naming %s: %v, want ErrOutOfScope", outside, err)
	}
	// Past Scan's check and the run's registration: the packet guard.
	g := Guard{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}
	r := (&Scanner{Guard: g}).newRun(eng, []netip.Addr{outside}, ports)
	r.syn = &synRun{all: make(chan struct{}, 1), src: []netip.Addr{inside}, stamp: make([][256]atomicU64, 1)}
	r.syn.fence, _ = fenceNow()
	if _, err := eng.syn.pass(context.Background(), r, []item{{0, 22}}, 0); !errors.Is(err, ErrOutOfScope) {
		t.Errorf("a SYN to %s past Scan's check: %v, want ErrOutOfScope", outside, err)
	}
	counts := countersIn(t, ns)
	t.Logf("packets counted by destination: %v", counts)
	if counts["198.18.255.2"] < len(ports) || counts["192.0.2.1"] != 0 {
		t.Errorf("packets counted: %v; want every SYN to 198.18.255.2 and none to 192.0.2.1", counts)
	}
}

var counterLine = regexp.MustCompile(`ip daddr (\S+) counter packets (\d+)`)

func countersIn(t *testing.T, ns string) map[string]int {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns, "nft", "list", "table", "ip", "fence").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list: %v\n%s", err, out)
	}
	m := map[string]int{}
	for _, s := range counterLine.FindAllStringSubmatch(string(out), -1) {
		m[s[1]], _ = strconv.Atoi(s[2])
	}
	return m
}

func sh(t *testing.T, argv ...string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	if n := len(argv); n > 2 && argv[n-2] == "<<" {
		cmd = exec.Command(argv[0], argv[1:n-2]...)
		cmd.Stdin = stringReader(argv[n-1])
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, out)
	}
}
