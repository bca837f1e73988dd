package firewall

import (
	"strconv"
	"strings"
)

// Rules are spelled exactly as `iptables -S` prints them back (-m tcp after
// -p tcp, numeric ICMP types, the explicit --reject-with), so State after
// an apply lists the rendered lines verbatim.
const (
	iptEstablished = "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN"
	iptInvalid     = "-m conntrack --ctstate INVALID -j DROP"
	iptNotLocal    = "-m addrtype ! --dst-type LOCAL -j RETURN"
	iptMultiport   = 15 // the most ports one multiport match takes
)

// ICMP a host needs. IPv6 breaks without neighbour discovery (133-136) and
// MLD (130-132, 143); packet-too-big (2) keeps path MTU discovery working.
var (
	iptICMP4 = []int{8, 3, 11, 12}
	iptICMP6 = []int{1, 2, 3, 4, 128, 133, 134, 135, 136, 130, 131, 132, 143}
)

// input is CK8S-INPUT for one family (0 IPv4, 1 IPv6). The ESTABLISHED
// RETURN comes first: a DROP or REJECT before it would cut live sessions,
// the SSH session applying this among them. Allowed traffic RETURNs rather
// than ACCEPTs so the rest of INPUT still sees it: we only subtract.
func (p iptProfile) input(fam int) []string {
	r := []string{iptEstablished, iptInvalid}
	r = append(r, p.trust(fam)...)
	if fam == 0 {
		for _, t := range iptICMP4 {
			r = append(r, "-p icmp -m icmp --icmp-type "+strconv.Itoa(t)+" -j RETURN")
		}
	} else {
		for _, t := range iptICMP6 {
			r = append(r, "-p ipv6-icmp -m icmp6 --icmpv6-type "+strconv.Itoa(t)+" -j RETURN")
		}
	}
	r = append(r, iptDHCP(fam))
	r = append(r, p.services(fam)...)
	switch {
	case !p.reject:
		r = append(r, "-j DROP")
	case fam == 0:
		r = append(r, "-p tcp -j REJECT --reject-with tcp-reset", "-j REJECT --reject-with icmp-port-unreachable")
	default:
		r = append(r, "-p tcp -j REJECT --reject-with tcp-reset", "-j REJECT --reject-with icmp6-port-unreachable")
	}
	return iptPrefix(ChainInput, r)
}

// prerouting is CK8S-PREROUTING for one family. mangle PREROUTING runs
// before the nat table's DNAT, so this closes NodePorts, hostPorts and
// docker's published ports, which INPUT never sees (they are forwarded).
// Only new TCP and UDP to this host's own addresses is dropped: routed
// traffic and ICMP pass, and REJECT is not valid in mangle.
func (p iptProfile) prerouting(fam int) []string {
	r := []string{iptEstablished}
	r = append(r, p.trust(fam)...)
	r = append(r, iptNotLocal)
	r = append(r, p.services(fam)...)
	r = append(r, iptDHCP(fam),
		"-p tcp -m conntrack --ctstate NEW -j DROP",
		"-p udp -m conntrack --ctstate NEW -j DROP")
	return iptPrefix(ChainPrerouting, r)
}

func (p iptProfile) trust(fam int) []string {
	r := []string{"-i lo -j RETURN"}
	for _, name := range p.ifaces {
		r = append(r, "-i "+name+" -j RETURN")
	}
	for _, cidr := range p.trusted[fam] {
		r = append(r, "-s "+cidr+" -j RETURN")
	}
	return r
}

// services opens SSH, then AllowTCP and AllowUDP. With SSHSources set but
// none of this family, SSH stays closed on it: "only from these" must not
// turn into "from anyone" on the other family.
func (p iptProfile) services(fam int) []string {
	var r []string
	if p.sshFromAnywhere {
		r = append(r, iptPortRules("", "tcp", p.sshPorts)...)
	}
	for _, src := range p.sshSources[fam] {
		r = append(r, iptPortRules("-s "+src+" ", "tcp", p.sshPorts)...)
	}
	r = append(r, iptPortRules("", "tcp", p.tcp)...)
	return append(r, iptPortRules("", "udp", p.udp)...)
}

// iptDHCP lets the server's replies in, so a DHCP host keeps its lease.
func iptDHCP(fam int) string {
	if fam == 0 {
		return "-p udp -m udp --sport 67 --dport 68 -j RETURN"
	}
	return "-p udp -m udp --dport 546 -j RETURN"
}

// iptPortRules RETURNs ports: one port with the protocol's own match, more
// with multiport, at most iptMultiport a rule.
func iptPortRules(head, proto string, ports []int) []string {
	var r []string
	for len(ports) > 0 {
		n := min(len(ports), iptMultiport)
		list := make([]string, n)
		for i, port := range ports[:n] {
			list[i] = strconv.Itoa(port)
		}
		if n == 1 {
			r = append(r, head+"-p "+proto+" -m "+proto+" --dport "+list[0]+" -j RETURN")
		} else {
			r = append(r, head+"-p "+proto+" -m multiport --dports "+strings.Join(list, ",")+" -j RETURN")
		}
		ports = ports[n:]
	}
	return r
}

func iptPrefix(chain string, rules []string) []string {
	for i, r := range rules {
		rules[i] = "-A " + chain + " " + r
	}
	return rules
}
