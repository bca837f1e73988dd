package playbook

import (
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// PortsCheck is `checks: ports:`. Its presence turns the outside port scan
// on as the last phase of bootstrap and harden; the expected set is the
// environment's exposure policy, so it lives in the playbook. Port lists
// are sorted, each port once.
type PortsCheck struct {
	Expect    []uint16      // TCP ports that should be open; default 22,80,443
	Range     []uint16      // TCP ports to scan; default 1-65535
	Timeout   time.Duration // longest wait per port
	UDP       []uint16      // UDP ports to probe too, best effort; default none
	ExpectUDP []uint16      // UDP ports that may answer; default none
}

var portsKeys = []string{"expect", "range", "timeout", "udp", "expectUDP"}

func (d *decoder) portsCheck(n *yaml.Node) *PortsCheck {
	const p = "checks.ports"
	out := &PortsCheck{
		Expect: mustPorts(scan.DefaultExpect), Range: mustPorts(scan.AllPorts),
		Timeout: scan.DefaultTimeout, UDP: []uint16{}, ExpectUDP: []uint16{},
	}
	m, _ := d.checkSection(n, p, portsKeys...)
	if v := m["expect"]; v != nil {
		out.Expect = d.portList(v, p+".expect", false, out.Expect)
	}
	if v := m["range"]; v != nil {
		out.Range = d.portList(v, p+".range", false, out.Range)
	}
	if v := m["timeout"]; v != nil {
		out.Timeout = d.positive(v, p+".timeout", 0, out.Timeout)
	}
	if v := m["udp"]; v != nil {
		out.UDP = d.portList(v, p+".udp", true, out.UDP)
	}
	if v := m["expectUDP"]; v != nil {
		out.ExpectUDP = d.portList(v, p+".expectUDP", true, out.ExpectUDP)
	}
	return out
}

// portList reads ports the way `ck8sctl scan` takes them, "22,80,1000-2000",
// or as a YAML list of such items ([22, 80, "1000-2000"]); def when it is
// invalid. Only the UDP lists may be empty: an empty TCP range scans
// nothing, and expecting nothing open is written as the ports closed.
func (d *decoder) portList(n *yaml.Node, path string, mayBeEmpty bool, def []uint16) []uint16 {
	n = resolve(n)
	var items []*yaml.Node
	var paths []string
	switch n.Kind {
	case yaml.ScalarNode:
		items, paths = []*yaml.Node{n}, []string{path}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			items, paths = append(items, item), append(paths, index(path, i))
		}
	default:
		d.errorf(n.Line, path, "must be a port list such as \"22,80,443\" or [22, 80, 443], got %s", describe(n))
		return def
	}
	out, ok := []uint16{}, true
	for i, item := range items {
		s, isStr := d.str(item, paths[i])
		if !isStr {
			ok = false
			continue
		}
		if strings.TrimSpace(s) == "" && n.Kind == yaml.ScalarNode {
			break // "" is the empty list
		}
		ports, err := scan.ParsePorts(s)
		if err != nil {
			d.errorf(resolve(item).Line, paths[i], "%v", err)
			ok = false
			continue
		}
		out = append(out, ports...)
	}
	if ok && len(out) == 0 && !mayBeEmpty {
		d.errorf(n.Line, path, "must name at least one port")
	}
	if !ok || len(out) == 0 && !mayBeEmpty {
		return def
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mustPorts parses a default port list, which is known to be valid.
func mustPorts(s string) []uint16 {
	p, err := scan.ParsePorts(s)
	if err != nil {
		panic(err)
	}
	return p
}
