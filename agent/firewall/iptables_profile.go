package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// iptProfile is a Profile checked and sorted for iptables, addresses split
// by family (index 0 IPv4, 1 IPv6). Sorting makes the rendered batch
// independent of the playbook's order.
type iptProfile struct {
	ifaces          []string
	trusted         [2][]string
	sshSources      [2][]string
	sshFromAnywhere bool
	sshPorts        []int
	tcp, udp        []int
	reject          bool
}

func newIPTProfile(p Profile) (iptProfile, error) {
	n := iptProfile{sshFromAnywhere: len(p.SSHSources) == 0, reject: p.Reject}
	var err error
	if n.ifaces, err = iptIfaces(p.TrustedInterfaces); err != nil {
		return n, err
	}
	if n.trusted, err = iptPrefixes(p.TrustedCIDRs, "trusted CIDR"); err != nil {
		return n, err
	}
	if n.sshSources, err = iptPrefixes(p.SSHSources, "SSH source"); err != nil {
		return n, err
	}
	// SSH ports have their own rules: in AllowTCP too they would be open to
	// everyone and silently void the SSHSources restriction the playbook
	// asked for (and without sources they would just be listed twice).
	tcp := slices.DeleteFunc(slices.Clone(p.AllowTCP), func(port int) bool { return slices.Contains(p.SSHPorts, port) })
	for _, l := range []struct {
		dst  *[]int
		src  []int
		what string
	}{{&n.sshPorts, p.SSHPorts, "SSH port"}, {&n.tcp, tcp, "TCP port"}, {&n.udp, p.AllowUDP, "UDP port"}} {
		if *l.dst, err = iptPorts(l.src, l.what); err != nil {
			return n, err
		}
	}
	return n, nil
}

func iptPorts(ports []int, what string) ([]int, error) {
	out := slices.Clone(ports)
	slices.Sort(out)
	for _, p := range out {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("rendering iptables rules: %s %d is not between 1 and 65535", what, p)
		}
	}
	return slices.Compact(out), nil
}

// iptPrefixes spells prefixes as iptables -S prints them: masked, /32 and
// /128 included. A v4-mapped IPv6 prefix counts as IPv6, as the kernel
// sees it.
func iptPrefixes(ps []netip.Prefix, what string) ([2][]string, error) {
	var out [2][]string
	sorted := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		if !p.IsValid() {
			return out, fmt.Errorf("rendering iptables rules: invalid %s %v", what, p)
		}
		sorted = append(sorted, p.Masked())
	}
	slices.SortFunc(sorted, netip.Prefix.Compare)
	for _, p := range slices.Compact(sorted) {
		fam := 1
		if p.Addr().Is4() {
			fam = 0
		}
		out[fam] = append(out[fam], p.String())
	}
	return out, nil
}

// iptIfaces checks interface names: they become one argv word of a
// restore line, so whitespace, quotes and control characters are refused,
// as is a leading '-' or '!' that iptables would read as an option or a
// negation, and so is a bare "+", which would trust every interface and switch the
// firewall off.
func iptIfaces(names []string) ([]string, error) {
	for _, name := range names {
		bad := strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '"' || r == '\'' || r == '\\' })
		if name == "" || len(name) > 15 || bad || strings.ContainsAny(name[:1], "-!") {
			return nil, fmt.Errorf("rendering iptables rules: trusted interface %q is not a valid interface name", name)
		}
		if name == "+" {
			return nil, fmt.Errorf("rendering iptables rules: trusted interface %q matches every interface", name)
		}
	}
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out), nil
}
