package phase

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/internal/fence"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// TestFactsAddrs: the scan adds the host's own global unicast addresses,
// once each, but never loopback, link-local, the trusted interfaces or
// CIDRs; private addresses, addresses outside the network fence and on a
// down interface are reported as skipped, not scanned. The addresses here
// are only parsed: nothing is sent.
func TestFactsAddrs(t *testing.T) {
	t.Setenv(fence.Env, "127.0.0.0/8,::1,198.18.0.0/15,2001:db8::/32")
	f := &facts.Facts{Interfaces: []facts.Interface{
		{Name: "lo", Up: true, Loopback: true, IPv4: prefixes("127.0.0.1/8"), IPv6: prefixes("::1/128")},
		{Name: "eth0", Up: true,
			IPv4: prefixes("198.18.0.11/24", "198.18.0.200/24", "8.8.8.8/32", "10.0.0.1/8", "100.64.1.1/10", "192.168.1.1/24"),
			IPv6: prefixes("2001:db8::11/64", "fe80::1/64", "2001:4860:4860::8888/64", "fd00::1/64")},
		{Name: "eth1", Up: true, IPv4: prefixes("198.18.0.200/24", "10.42.0.5/24")}, // a duplicate, a trusted CIDR
		{Name: "cni0", Up: true, IPv4: prefixes("198.18.1.1/24")},                   // trusted interface
		{Name: "eth2", Up: false, IPv4: prefixes("198.18.2.2/24")},
	}}
	p := &FactsAddrs{TrustedInterfaces: []string{"cni0", "flannel.1"}, TrustedCIDRs: prefixes("10.42.0.0/16", "10.43.0.0/16")}
	known := []netip.Addr{netip.MustParseAddr("198.18.0.11")}
	add, skipped := p.addrs(f, known)

	var got []string
	for _, a := range add {
		got = append(got, a.String())
	}
	if want := []string{"198.18.0.200", "2001:db8::11"}; !slices.Equal(got, want) {
		t.Errorf("scanned %v, want %v", got, want)
	}
	why := map[string]string{}
	for _, s := range skipped {
		if s.Source != SourceFacts || s.Interface == "" {
			t.Errorf("skipped %+v: want source facts and the interface", s)
		}
		why[s.Target] = s.Reason
	}
	for addr, reason := range map[string]string{
		"8.8.8.8": "outside " + fence.Env, "2001:4860:4860::8888": "outside " + fence.Env,
		"10.0.0.1": "private", "100.64.1.1": "private", "192.168.1.1": "private", "fd00::1": "private",
		"198.18.2.2": "interface eth2 is down",
	} {
		if !strings.Contains(why[addr], reason) {
			t.Errorf("%s: skip reason %q, want %q", addr, why[addr], reason)
		}
	}
	if len(skipped) != 7 {
		t.Errorf("%d skipped, want 7: %+v", len(skipped), skipped)
	}

	// The scope guard built from what is scanned still refuses the rest.
	g := scan.Hosts(slices.Concat(known, add)...)
	for _, s := range skipped {
		if err := g.Check(netip.MustParseAddr(s.Target)); !errors.Is(err, scan.ErrOutOfScope) {
			t.Errorf("guard allowed skipped %s: %v", s.Target, err)
		}
	}
	if add, skipped := (*FactsAddrs)(nil).addrs(f, known); add != nil || skipped != nil {
		t.Error("nil FactsAddrs must add nothing")
	}
	if add, skipped := p.addrs(nil, known); add != nil || skipped != nil {
		t.Error("no facts must add nothing")
	}
}

// TestProblemBySource: no answer at a playbook address fails the host (the
// scan proved nothing); at a facts address it is not routed from here and
// exposes nothing. An unexpected open port fails either.
func TestProblemBySource(t *testing.T) {
	silent := scan.Finding{Target: "198.18.0.200"}
	if p := problems(silent, SourcePlaybook); len(p) != 1 || !strings.Contains(p[0].Message, "no port answered") || p[0].Code != CodePortNoAnswer {
		t.Errorf("playbook: %v", p)
	}
	if p := problems(silent, SourceFacts); len(p) != 0 {
		t.Errorf("facts: %v", p)
	}
	open := scan.Finding{Target: "198.18.0.200", Reachable: true, Open: []uint16{22, 5432}}
	open.Unexpected = []uint16{5432}
	if p := problems(open, SourceFacts); len(p) != 1 || !strings.Contains(p[0].Message, "unexpected open 5432") || p[0].Code != CodePortUnexpectedOpen {
		t.Errorf("facts, unexpected: %v", p)
	}
}
