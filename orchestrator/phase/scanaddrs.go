package phase

import (
	"net/netip"
	"slices"

	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/internal/fence"
)

// Where a scanned address came from.
const (
	SourcePlaybook = "playbook" // the host's address and expectIPs
	SourceFacts    = "facts"    // the host's own addresses, as the agent reported them
)

// SkippedAddr is an address of the host that the scan did not connect to.
type SkippedAddr struct {
	Target    string `json:"target"`
	Source    string `json:"source"`
	Interface string `json:"interface,omitempty"`
	Reason    string `json:"reason"`
}

// FactsAddrs chooses which of the host's own addresses (the agent's facts)
// the outside scan adds to the playbook's. The cluster network is not seen
// from outside: loopback, link-local, the trusted interfaces and the
// trusted CIDRs are left out without a word.
type FactsAddrs struct {
	TrustedInterfaces []string
	TrustedCIDRs      []netip.Prefix
}

// cgnat is the shared address space (RFC 6598): like RFC 1918, a different
// machine may own the same address on the orchestrator's side.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// addrs returns f's global unicast addresses not in known, deduplicated,
// in the order the agent listed them, and the ones it will not scan, each
// with the reason. Nil p or f adds nothing.
func (p *FactsAddrs) addrs(f *facts.Facts, known []netip.Addr) (add []netip.Addr, skipped []SkippedAddr) {
	if p == nil || f == nil {
		return nil, nil
	}
	seen := slices.Clone(known)
	for _, ifc := range f.Interfaces {
		if ifc.Loopback || slices.Contains(p.TrustedInterfaces, ifc.Name) {
			continue
		}
		for _, pfx := range slices.Concat(ifc.IPv4, ifc.IPv6) {
			a := pfx.Addr().Unmap().WithZone("")
			if !a.IsGlobalUnicast() || p.trusted(a) || slices.Contains(seen, a) {
				continue
			}
			seen = append(seen, a)
			if why := skipReason(ifc, a); why != "" {
				skipped = append(skipped, SkippedAddr{Target: a.String(), Source: SourceFacts, Interface: ifc.Name, Reason: why})
				continue
			}
			add = append(add, a)
		}
	}
	return add, skipped
}

func (p *FactsAddrs) trusted(a netip.Addr) bool {
	for _, c := range p.TrustedCIDRs {
		if c.Contains(a) {
			return true
		}
	}
	return false
}

// skipReason says why a facts address is not scanned, "" to scan it. A
// private address is the host's on its own network; from where ck8sctl
// runs the same address may belong to another machine, so it is never
// probed on the facts' word alone (name it in expectIPs to scan it).
func skipReason(ifc facts.Interface, a netip.Addr) string {
	switch {
	case !ifc.Up:
		return "interface " + ifc.Name + " is down: not scanned"
	case a.IsPrivate() || cgnat.Contains(a):
		return "private address: from here it may be another machine, not scanned (list it in expectIPs to scan it)"
	}
	if err := fence.Check(a); err != nil {
		return "outside " + fence.Env + ": not scanned"
	}
	return ""
}
