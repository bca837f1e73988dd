package playbook

import (
	"errors"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
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
	n = yamlnode.Resolve(n)
	var items []*yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{n}
	case yaml.SequenceNode:
		items = n.Content
	default:
		d.errorf(n.Line, path, "must be a port list such as \"22,80,443\" or [22, 80, 443], got %s", yamlnode.Describe(n))
		return def
	}
	texts, ok := d.portTexts(n, items, path)
	if !ok {
		return def
	}
	if len(texts) == 0 {
		if !mayBeEmpty {
			d.errorf(n.Line, path, "must name at least one port")
			return def
		}
		return []uint16{}
	}
	// One parse of the whole list: scan.ParsePorts merges ranges before
	// expanding them, parsing item by item would expand every one.
	ports, err := scan.ParsePorts(strings.Join(texts, ","))
	if err != nil {
		line, p := n.Line, path
		if i := itemAt(err, texts); i >= 0 && n.Kind == yaml.SequenceNode {
			line, p = yamlnode.Resolve(items[i]).Line, yamlnode.Index(path, i)
		}
		d.errorf(line, p, "%v", err)
		return def
	}
	return ports
}

// portTexts returns the text of each item; "" written alone is the empty
// list.
func (d *decoder) portTexts(n *yaml.Node, items []*yaml.Node, path string) ([]string, bool) {
	texts, ok := make([]string, 0, len(items)), true
	for i, item := range items {
		p := path
		if n.Kind == yaml.SequenceNode {
			p = yamlnode.Index(path, i)
		}
		s, isStr := d.Str(item, p)
		ok = ok && isStr
		texts = append(texts, s)
	}
	if n.Kind == yaml.ScalarNode && strings.TrimSpace(texts[0]) == "" {
		return nil, ok
	}
	return texts, ok
}

// itemAt returns the index of the text holding the item err names, or -1.
func itemAt(err error, texts []string) int {
	var ie *scan.ItemError
	if !errors.As(err, &ie) {
		return -1
	}
	for i, t := range texts {
		for item := range strings.SplitSeq(t, ",") {
			if strings.TrimSpace(item) == ie.Item {
				return i
			}
		}
	}
	return -1
}

// mustPorts parses a default port list, which is known to be valid.
func mustPorts(s string) []uint16 {
	p, err := scan.ParsePorts(s)
	if err != nil {
		panic(err)
	}
	return p
}
