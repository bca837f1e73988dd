package playbook

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// Firewall configures the host firewall the agent installs.
type Firewall struct {
	AllowTCP          []int          // ports open to everyone
	AllowUDP          []int          // ports open to everyone
	SSHSources        []netip.Prefix // who may reach SSH; empty: anyone
	TrustedInterfaces []string       // traffic arriving on these is accepted (the cluster network)
	TrustedCIDRs      []netip.Prefix // traffic from these is accepted (pod and service networks)
	Backend           string         // BackendAuto, BackendIPTables or BackendNFTables
	ConfirmTimeout    time.Duration  // rollback unless confirmed over a new connection within this
	Persist           *bool          // save rules so they survive a reboot; never nil after loading
	Policy            string         // PolicyDrop or PolicyReject: what refused inbound traffic gets
}

// What refused inbound connections get: silence, or a reset/unreachable.
const (
	PolicyDrop   = "drop"
	PolicyReject = "reject"
)

// Firewall backends.
const (
	BackendAuto     = "auto"
	BackendIPTables = "iptables"
	BackendNFTables = "nftables"
)

var firewallKeys = []string{"allowTCP", "allowUDP", "sshSources", "trustedInterfaces", "trustedCIDRs", "backend", "confirmTimeout", "persist", "policy"}

// defaultFirewall opens SSH, HTTP and HTTPS and trusts the k3s pod and
// service networks (10.42.0.0/16, 10.43.0.0/16) and its CNI interfaces.
// Fresh slices each call, so callers may modify what they get.
func defaultFirewall() Firewall {
	persist := true
	return Firewall{
		AllowTCP:          []int{22, 80, 443},
		AllowUDP:          []int{},
		SSHSources:        []netip.Prefix{},
		TrustedInterfaces: []string{"cni0", "flannel.1"},
		TrustedCIDRs:      []netip.Prefix{netip.MustParsePrefix("10.42.0.0/16"), netip.MustParsePrefix("10.43.0.0/16")},
		Backend:           BackendAuto,
		ConfirmTimeout:    60 * time.Second,
		Persist:           &persist,
		Policy:            PolicyDrop,
	}
}

func (d *decoder) firewall(n *yaml.Node) Firewall {
	fw := defaultFirewall()
	m, ok := d.mapping(n, "firewall", firewallKeys...)
	if !ok {
		return fw
	}
	if v := m["allowTCP"]; v != nil {
		fw.AllowTCP = d.ports(v, "firewall.allowTCP")
	}
	if v := m["allowUDP"]; v != nil {
		fw.AllowUDP = d.ports(v, "firewall.allowUDP")
	}
	if v := m["sshSources"]; v != nil {
		fw.SSHSources = d.prefixes(v, "firewall.sshSources")
	}
	if v := m["trustedCIDRs"]; v != nil {
		fw.TrustedCIDRs = d.prefixes(v, "firewall.trustedCIDRs")
	}
	if v := m["trustedInterfaces"]; v != nil {
		fw.TrustedInterfaces, _ = d.strings(v, "firewall.trustedInterfaces", ifaceProblem)
	}
	if v := m["backend"]; v != nil {
		if s, ok := d.Str(v, "firewall.backend"); ok {
			if s != BackendAuto && s != BackendIPTables && s != BackendNFTables {
				d.errorf(yamlnode.Resolve(v).Line, "firewall.backend", "must be auto, iptables or nftables, got %q", s)
			}
			fw.Backend = s
		}
	}
	if v := m["confirmTimeout"]; v != nil {
		// Zero would roll back before any confirmation could arrive.
		if t, ok := d.duration(v, "firewall.confirmTimeout"); ok && t == 0 {
			d.errorf(yamlnode.Resolve(v).Line, "firewall.confirmTimeout", "must be longer than 0s")
		} else if ok {
			fw.ConfirmTimeout = t
		}
	}
	if v := m["policy"]; v != nil {
		if s, ok := d.Str(v, "firewall.policy"); ok {
			if s != PolicyDrop && s != PolicyReject {
				d.errorf(yamlnode.Resolve(v).Line, "firewall.policy", "must be drop or reject, got %q", s)
			}
			fw.Policy = s
		}
	}
	if v := m["persist"]; v != nil {
		if b, ok := d.Bool(v, "firewall.persist"); ok {
			fw.Persist = &b
		}
	}
	return fw
}

// ports reads a list of distinct port numbers.
func (d *decoder) ports(n *yaml.Node, path string) []int {
	items, _ := d.list(n, path)
	out := []int{}
	seen := map[int]int{} // port → line
	for i, item := range items {
		p, ok := d.port(item, yamlnode.Index(path, i))
		if !ok {
			continue
		}
		line := yamlnode.Resolve(item).Line
		if first, dup := seen[p]; dup {
			d.errorf(line, yamlnode.Index(path, i), "duplicate port %d (first at line %d)", p, first)
			continue
		}
		seen[p] = line
		out = append(out, p)
	}
	return out
}

// prefixes reads a list of CIDRs; a bare address means that one address.
// A prefix with host bits set (10.0.0.1/8) is refused: in a firewall rule
// it is either a typo or a misunderstanding, and both should be asked about.
func (d *decoder) prefixes(n *yaml.Node, path string) []netip.Prefix {
	items, _ := d.list(n, path)
	out := []netip.Prefix{}
	for i, item := range items {
		p := yamlnode.Index(path, i)
		s, ok := d.Str(item, p)
		if !ok {
			continue
		}
		pfx, err := parsePrefix(s)
		if err != nil {
			d.errorf(yamlnode.Resolve(item).Line, p, "%v", err)
			continue
		}
		out = append(out, pfx)
	}
	return out
}

func parsePrefix(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("must be a CIDR such as 192.0.2.0/24 or an IP address, got %q", s)
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("%s has host bits set (did you mean %s?)", s, p.Masked())
	}
	return p, nil
}

// ifaceProblem checks an interface name the way the kernel limits it
// (IFNAMSIZ: 15 bytes); '+' and '*' wildcards are the backends' business.
func ifaceProblem(s string) string {
	if s == "" || len(s) > 15 || strings.ContainsAny(s, " \t\r\n/:'\"") {
		return fmt.Sprintf("must be an interface name of 1 to 15 characters without spaces, '/' or ':', got %q", s)
	}
	return ""
}
