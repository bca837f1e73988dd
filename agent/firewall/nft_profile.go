package firewall

import (
	"fmt"
	"slices"
	"strconv"
)

// nftProfile is a Profile checked and spelled for nft: sorted, without
// duplicates, addresses split by family. Sorting makes the rendered batch
// independent of the playbook's order.
type nftProfile struct {
	ifaces             nftNamedSet
	trust4, trust6     nftNamedSet
	ssh4, ssh6         nftNamedSet
	sshPorts           []string
	sshFromAnywhere    bool
	allowTCP, allowUDP []string
	reject             bool
}

func newNFTProfile(p Profile) (nftProfile, error) {
	n := nftProfile{sshFromAnywhere: len(p.SSHSources) == 0, reject: p.Reject}
	var err error
	if n.ifaces, err = nftIfaces("trusted_ifaces", p.TrustedInterfaces); err != nil {
		return n, err
	}
	if n.trust4, n.trust6, err = nftPrefixes("trusted", p.TrustedCIDRs); err != nil {
		return n, err
	}
	if n.ssh4, n.ssh6, err = nftPrefixes("ssh", p.SSHSources); err != nil {
		return n, err
	}
	// SSH ports have their own rules: in AllowTCP too they would be open to
	// everyone and silently void the SSHSources restriction the playbook
	// asked for (and without sources they would just be listed twice).
	// The iptables backend reads the profile the same way.
	tcp := slices.DeleteFunc(slices.Clone(p.AllowTCP), func(port int) bool { return slices.Contains(p.SSHPorts, port) })
	if n.sshPorts, err = nftPorts(p.SSHPorts, "SSH port"); err != nil {
		return n, err
	}
	if n.allowTCP, err = nftPorts(tcp, "TCP port"); err != nil {
		return n, err
	}
	n.allowUDP, err = nftPorts(p.AllowUDP, "UDP port")
	return n, err
}

func nftPorts(ports []int, what string) ([]string, error) {
	sorted := slices.Clone(ports)
	slices.Sort(sorted)
	var out []string
	for _, p := range slices.Compact(sorted) {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("rendering nftables rules: %s %d is not between 1 and 65535", what, p)
		}
		out = append(out, strconv.Itoa(p))
	}
	return out, nil
}
