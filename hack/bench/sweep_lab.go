package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// sweepLabUp brings up the sweep section's lab, with the lab's DNS server
// (the sweep's DNS preflight asks it), in a fresh dir under .bench at a
// free index: o.index, or a random one no other lab claims.
func sweepLabUp(ctx context.Context, o swOptions) (*lab.Lab, error) {
	return sectionLabUp(ctx, "sweeplab-", lab.Options{Hosts: o.hosts, Index: o.index,
		ListenerArgv: []string{o.self, "lab", "listen"}, DNSArgv: []string{o.self, "lab", "dns"}},
		[]int{benchIndex, benchIndex - 1, benchIndex - 2})
}

// sweepLabDown takes the lab down (and with it every host namespace, so
// the drift and black-hole rules inside them); not ctx: after Ctrl-C the
// lab must still come down.
func sweepLabDown(l *lab.Lab) {
	dctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := lab.Down(dctx, l.Dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench: sweep: lab down:", err)
		return
	}
	os.RemoveAll(l.Dir)
}

// sweepPlaybook writes the sweep's playbook for every lab host: the
// firewall section the hosts were hardened with (so an undrifted host is
// compliant), the lab's DNS server for the preflight, and checks.ports
// scanning portRange ("" for `ports:` alone, every TCP port). hostTimeout
// is checks.sweep.hostTimeout ("" for the default).
func sweepPlaybook(l *lab.Lab, backend, name, portRange, hostTimeout string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by the bench's sweep section.\ndomain: %s\n", lab.Domain)
	if len(l.Nameservers) > 0 {
		fmt.Fprintf(&b, "dns:\n  nameservers: [%q]\n", l.Nameservers[0])
	}
	fmt.Fprintf(&b, "firewall:\n  backend: %s\n  persist: false\nchecks:\n  ports:\n", backend)
	if portRange != "" {
		fmt.Fprintf(&b, "    range: %q\n", portRange)
	}
	if hostTimeout != "" {
		fmt.Fprintf(&b, "  sweep:\n    hostTimeout: %s\n", hostTimeout)
	}
	b.WriteString("hosts:\n")
	for _, h := range l.Hosts {
		for _, a := range []netip.Addr{h.Addr4, h.Addr6} {
			if err := checkLabAddr(l, a); err != nil {
				return "", fmt.Errorf("playbook for %s: %w", h.Name, err)
			}
		}
		fmt.Fprintf(&b, "  - name: %s\n    address: %s\n    port: %d\n    user: root\n    identityFile: %s\n    knownHostsFile: %s\n    expectIPs: [%s, %s]\n",
			h.Name, h.Addr4, h.Port, l.KeyFile, l.KnownHostsFile, h.Addr4, h.Addr6)
	}
	p := filepath.Join(l.Dir, "sweep-"+name+".yaml")
	return p, os.WriteFile(p, []byte(b.String()), 0o600)
}

// driftPort is the decoy port a drifted host opens (lab.DecoyPorts has a
// listener on it): the drift shows in the rules and from outside.
const driftPort = 8080

// driftScripts are what an operator's hand edit does, per backend: one
// rule in each owned chain (or the nftables table's chains), both
// families, opening driftPort.
var driftScripts = map[string]string{
	"iptables": `set -e
for t in iptables ip6tables; do
	$t -w -I CK8S-INPUT 1 -p tcp --dport 8080 -j RETURN
	$t -w -t mangle -I CK8S-PREROUTING 1 -p tcp --dport 8080 -j RETURN
done`,
	"nftables": `set -e
nft insert rule inet ck8s prerouting tcp dport 8080 accept
nft insert rule inet ck8s input tcp dport 8080 accept`,
}

// pick returns k of hosts chosen at random, in lab order.
func pick(hosts []lab.Host, k int) []lab.Host {
	idx := rand.Perm(len(hosts))[:k]
	slices.Sort(idx)
	out := make([]lab.Host, k)
	for i, j := range idx {
		out[i] = hosts[j]
	}
	return out
}

// drift adds the hand-made rule to hosts, inside each host's namespaces.
func drift(ctx context.Context, l *lab.Lab, backend string, hosts []lab.Host) error {
	script, ok := driftScripts[backend]
	if !ok {
		return fmt.Errorf("no drift script for firewall backend %q (iptables, nftables)", backend)
	}
	return forEachHost(hosts, 10, func(h lab.Host) error {
		if out, err := l.Exec(ctx, h, "sh", "-c", script); err != nil {
			return fmt.Errorf("drifting %s: %v: %s", h.Name, err, bytes.TrimSpace(out))
		}
		return nil
	})
}

// blackholeTable drops every IP packet a host receives, before conntrack
// and any firewall, but neighbour discovery: the host still answers ARP
// and NDP, so the sweep's packets vanish silently (connects time out)
// instead of failing fast with "no route to host", the worst case for a
// run's wall time. It lives in the host's own namespace, never this
// machine's.
const blackholeTable = `table inet ck8sbench_blackhole {
	chain in {
		type filter hook prerouting priority -500; policy drop;
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
	}
}
`

// blackholeScript adds (add=1) or removes the table; like fwResetScript it
// refuses to run in this machine's own network namespace ($2).
const blackholeScript = `set -u
[ "$(readlink /proc/self/ns/net)" != "$2" ] || { echo "refusing: this is the machine's own network namespace" >&2; exit 97; }
if [ "$1" = 1 ]; then
	printf '%s' "$3" | nft -f -
else
	nft delete table inet ck8sbench_blackhole 2>/dev/null || true
	! nft list table inet ck8sbench_blackhole >/dev/null 2>&1
fi`

// blackhole turns the black hole on or off on hosts.
func blackhole(ctx context.Context, l *lab.Lab, hosts []lab.Host, on bool) error {
	netns, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return err
	}
	flag := map[bool]string{true: "1", false: "0"}[on]
	return forEachHost(hosts, 10, func(h lab.Host) error {
		if out, err := l.Exec(ctx, h, "sh", "-c", blackholeScript, "sh", flag, netns, blackholeTable); err != nil {
			return fmt.Errorf("black hole %s on %s: %v: %s", map[bool]string{true: "on", false: "off"}[on], h.Name, err, bytes.TrimSpace(out))
		}
		return nil
	})
}

func names(hosts []lab.Host) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h.Name
	}
	return out
}
