package firewall

import (
	"context"
	"strings"
)

// ICMP a host needs to work at all: path MTU discovery and error reporting
// for both families, and for IPv6 neighbour and router discovery and MLD,
// without which IPv6 stops working on the link. In type number order, as
// nft lists them.
const (
	nftICMPv4 = "destination-unreachable, echo-request, time-exceeded, parameter-problem"
	nftICMPv6 = "destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request, " +
		"mld-listener-query, mld-listener-report, mld-listener-done, " +
		"nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld2-listener-report"
)

// DHCP server replies are not tracked as replies by conntrack (the request
// went to a broadcast or multicast address), so they need their own accept,
// or a DHCP host loses its lease. DHCPv6 is matched on the client port
// alone, as the iptables backend does: the source of a relayed reply
// varies.
var nftDHCP = []string{
	"meta nfproto ipv4 udp sport 67 udp dport 68 accept",
	"meta nfproto ipv6 udp dport 546 accept",
}

// Render replaces our table in one transaction: `add` makes the `delete`
// valid on a host without the table, the delete drops whatever an older
// profile (or a hand edit) left, and the definition follows.
func (b *nftBackend) Render(_ context.Context, p Profile) (Batch, error) {
	text, err := nftRender(p)
	if err != nil {
		return Batch{}, err
	}
	return b.batch(text), nil
}

func nftRender(p Profile) (string, error) {
	n, err := newNFTProfile(p)
	if err != nil {
		return "", err
	}
	var w strings.Builder
	w.WriteString(nftRestore("table " + nftTable + " {\n"))
	for _, set := range []nftNamedSet{n.ifaces, n.trust4, n.trust6, n.ssh4, n.ssh6} {
		set.declare(&w)
	}
	nftChain(&w, "input", "type filter hook input priority filter; policy drop;", n.input())
	w.WriteString("\n")
	nftChain(&w, "prerouting", "type filter hook prerouting priority dstnat - 10; policy accept;", n.prerouting())
	w.WriteString("}\n")
	return w.String(), nil
}

func nftChain(w *strings.Builder, name, head string, rules []string) {
	w.WriteString("\tchain " + name + " {\n\t\t" + head + "\n")
	for _, r := range rules {
		w.WriteString("\t\t" + r + "\n")
	}
	w.WriteString("\t}\n")
}

// input filters what is addressed to this host. Established traffic is
// accepted first: a drop or reject above it would cut live sessions, the
// SSH session applying this change included.
func (n nftProfile) input() []string {
	rules := []string{"ct state established,related accept", "ct state invalid drop"}
	rules = append(rules, n.trusted()...)
	rules = append(rules, "icmp type { "+nftICMPv4+" } accept", "icmpv6 type { "+nftICMPv6+" } accept")
	rules = append(rules, nftDHCP...)
	rules = append(rules, n.services()...)
	if n.reject {
		rules = append(rules, "meta l4proto tcp reject with tcp reset", "reject with icmpx port-unreachable")
	}
	return rules
}

// prerouting runs after conntrack and before DNAT (dstnat - 10): it sees
// the address a packet was sent to, so it closes ports that DNAT would
// carry past the input chain (NodePorts, hostPorts, published container
// ports). Traffic not addressed to this host (routed to pods) passes, and
// so does everything that is not TCP or UDP (ICMP is the input chain's).
// It drops even with Reject: iptables can only REJECT in its filter
// table, after DNAT, and both backends should close a port the same way.
func (n nftProfile) prerouting() []string {
	rules := []string{"ct state established,related accept"}
	rules = append(rules, n.trusted()...)
	rules = append(rules, "fib daddr type != local accept")
	rules = append(rules, n.services()...)
	rules = append(rules, nftDHCP...)
	return append(rules, "meta l4proto { tcp, udp } ct state new drop")
}

func (n nftProfile) trusted() []string {
	rules := []string{`iifname "lo" accept`}
	rules = nftIfSet(rules, "iifname", n.ifaces, "accept")
	rules = nftIfSet(rules, "ip saddr", n.trust4, "accept")
	return nftIfSet(rules, "ip6 saddr", n.trust6, "accept")
}

// services opens SSH (to everyone, or only to the SSH sources of each
// family) and the allowed ports.
func (n nftProfile) services() []string {
	var rules []string
	if len(n.sshPorts) > 0 {
		ports := "tcp dport " + nftAnon(n.sshPorts) + " accept"
		if n.sshFromAnywhere {
			rules = append(rules, ports)
		}
		rules = nftIfSet(rules, "ip saddr", n.ssh4, ports)
		rules = nftIfSet(rules, "ip6 saddr", n.ssh6, ports)
	}
	if len(n.allowTCP) > 0 {
		rules = append(rules, "tcp dport "+nftAnon(n.allowTCP)+" accept")
	}
	if len(n.allowUDP) > 0 {
		rules = append(rules, "udp dport "+nftAnon(n.allowUDP)+" accept")
	}
	return rules
}

// nftIfSet appends `match @set rest` when the set has elements: it is not
// declared otherwise.
func nftIfSet(rules []string, match string, s nftNamedSet, rest string) []string {
	if len(s.elems) == 0 {
		return rules
	}
	return append(rules, match+" @"+s.name+" "+rest)
}
