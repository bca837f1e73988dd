package playbook

import (
	"net/netip"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// Host is one machine the playbook acts on, defaults applied.
type Host struct {
	Name           string // unique in the playbook; names the host in events and reports
	Address        string // IP address or DNS name to dial over SSH
	Port           int
	User           string
	IdentityFile   string // absolute; empty: left to the SSH client (agent, default keys)
	KnownHostsFile string // absolute; empty: left to the SSH client
	Sudo           bool
	Jump           string       // a host name in this playbook, or [user@]host[:port]; see Playbook.Jumps
	ExpectIPs      []netip.Addr // public addresses the domain must resolve to
	Labels         map[string]string
	Line           int // where the host is written, for later messages
}

// String names the host, so that every log line and error can say which.
func (h Host) String() string { return h.Name }

var hostKeys = []string{"name", "address", "port", "user", "identityFile", "knownHostsFile", "sudo", "jump", "expectIPs", "labels"}

// hosts decodes the hosts list; line is where to report its absence.
func (d *decoder) hosts(n *yaml.Node, line int, def hostDefaults) []Host {
	if n == nil {
		if !d.hostsOptional {
			d.errorf(line, "hosts", "required: at least one host")
		}
		return nil
	}
	items, ok := d.list(n, "hosts")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(yamlnode.Resolve(n).Line, "hosts", "required: at least one host")
	}
	first := map[string]int{} // name → line
	hosts := make([]Host, 0, len(items))
	for i, item := range items {
		path := yamlnode.Index("hosts", i)
		h, nameLine := d.host(item, path, def, len(hosts))
		if l, dup := first[h.Name]; dup && h.Name != "" {
			d.errorf(nameLine, yamlnode.At(path, "name"), "duplicate host name %q (first at line %d)", h.Name, l)
		} else {
			first[h.Name] = nameLine
		}
		hosts = append(hosts, h)
	}
	return hosts
}

// host decodes hosts[i]; it returns the host even when invalid, so that the
// checks across hosts (jumps) do not add errors of their own.
func (d *decoder) host(n *yaml.Node, path string, def hostDefaults, i int) (Host, int) {
	n = yamlnode.Resolve(n)
	h := Host{Port: def.Port, User: def.User, IdentityFile: def.IdentityFile,
		KnownHostsFile: def.KnownHostsFile, Sudo: def.Sudo, Line: n.Line}
	m, ok := d.mapping(n, path, hostKeys...)
	if !ok {
		return h, n.Line
	}
	nameLine := n.Line
	if v := m["name"]; v == nil {
		d.errorf(n.Line, yamlnode.At(path, "name"), "required")
	} else if s, ok := d.Str(v, yamlnode.At(path, "name")); ok {
		h.Name, nameLine = s, yamlnode.Resolve(v).Line
		if p := labelProblem(s); p != "" {
			d.errorf(nameLine, yamlnode.At(path, "name"), "must be a DNS label (letters, digits and inner '-', at most 63): %s", p)
		}
	}
	if v := m["address"]; v == nil {
		d.errorf(n.Line, yamlnode.At(path, "address"), "required")
	} else if s, ok := d.Str(v, yamlnode.At(path, "address")); ok {
		h.Address = s
		if p := addressProblem(s); p != "" {
			d.errorf(yamlnode.Resolve(v).Line, yamlnode.At(path, "address"), "%s", p)
		}
	}
	d.sshFields(m, path, &h.Port, &h.User, &h.IdentityFile, &h.KnownHostsFile, &h.Sudo)
	if v := m["jump"]; v != nil {
		if s, ok := d.Str(v, yamlnode.At(path, "jump")); ok {
			h.Jump = s
			d.jumps = append(d.jumps, jumpRef{host: i, value: s, line: yamlnode.Resolve(v).Line, path: yamlnode.At(path, "jump")})
		}
	}
	if v := m["expectIPs"]; v != nil {
		h.ExpectIPs = d.addrs(v, yamlnode.At(path, "expectIPs"))
	} else if a, err := netip.ParseAddr(h.Address); err == nil {
		h.ExpectIPs = []netip.Addr{a.Unmap().WithZone("")}
	}
	if v := m["labels"]; v != nil {
		h.Labels = d.labels(v, yamlnode.At(path, "labels"))
	}
	return h, nameLine
}

// addrs reads a list of IP addresses, refusing duplicates and zones (a
// public address has no zone).
func (d *decoder) addrs(n *yaml.Node, path string) []netip.Addr {
	items, ok := d.list(n, path)
	if !ok {
		return nil
	}
	out := []netip.Addr{}
	seen := map[netip.Addr]bool{}
	for i, item := range items {
		p := yamlnode.Index(path, i)
		s, ok := d.Str(item, p)
		if !ok {
			continue
		}
		line := yamlnode.Resolve(item).Line
		a, err := netip.ParseAddr(s)
		switch {
		case err != nil || a.Zone() != "":
			d.errorf(line, p, "must be an IP address, got %q", s)
		case seen[a.Unmap()]:
			d.errorf(line, p, "duplicate address %s", s)
		default:
			seen[a.Unmap()] = true
			out = append(out, a.Unmap())
		}
	}
	return out
}

// labels reads a free-form mapping of strings.
func (d *decoder) labels(n *yaml.Node, path string) map[string]string {
	n = yamlnode.Resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "must be a mapping, got %s", yamlnode.Describe(n))
		return nil
	}
	out := map[string]string{}
	for _, p := range d.pairs(n, path) {
		if p.key.Value == "" {
			d.errorf(p.key.Line, path, "label names must not be empty")
			continue
		}
		val := ""
		if !yamlnode.IsNull(yamlnode.Resolve(p.val)) {
			val, _ = d.Str(p.val, yamlnode.At(path, p.key.Value))
		}
		out[p.key.Value] = val
	}
	return out
}
