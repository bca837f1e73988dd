package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// portsCheck is the playbook's `checks: ports:` section. Its presence turns
// the outside port scan on as the last phase of bootstrap; the expected set
// is the environment's exposure policy, so it lives in the playbook.
type portsCheck struct {
	Expect    string        `yaml:"expect"`    // default 22,80,443
	Range     string        `yaml:"range"`     // default 1-65535
	Timeout   time.Duration `yaml:"timeout"`   // longest wait per port
	UDP       string        `yaml:"udp"`       // UDP ports to probe, best effort; default none
	ExpectUDP string        `yaml:"expectUDP"` // UDP ports that may answer
}

// portScanPhase builds the scan phase from the playbook; without a
// `checks: ports:` section it is disabled (Addrs nil).
// The caller sets Record and Progress once the run has a store.
func portScanPhase(o *runOpts) (phase.Scan, error) {
	var ph phase.Scan
	node := mapValue(&o.pb.Checks, "ports")
	if node == nil {
		return ph, nil
	}
	pc, err := decodePortsCheck(node)
	if err != nil {
		return ph, badInputf("playbook %s: %v", o.pb.Path, err)
	}
	if ph.Expect, err = scan.ParsePorts(pc.Expect); err != nil {
		return ph, badInputf("playbook %s: checks.ports.expect: %v", o.pb.Path, err)
	}
	if ph.Ports, err = scan.ParsePorts(pc.Range); err != nil {
		return ph, badInputf("playbook %s: checks.ports.range: %v", o.pb.Path, err)
	}
	ph.Timeout = pc.Timeout
	if ph.UDP, ph.ExpectUDP, err = udpPorts(pc); err != nil {
		return ph, badInputf("playbook %s: %v", o.pb.Path, err)
	}
	addrs := map[string][]netip.Addr{}
	for _, h := range o.hosts {
		addrs[h.Name] = hostAddrs(h)
	}
	ph.Addrs = func(host string) []netip.Addr { return addrs[host] }
	// The host's own addresses too, as its facts report them (bootstrap
	// collects facts; harden does not, and scans the playbook's only).
	ph.Facts = &phase.FactsAddrs{TrustedInterfaces: o.pb.Firewall.TrustedInterfaces, TrustedCIDRs: o.pb.Firewall.TrustedCIDRs}
	// Hosts scan in parallel: share the open-files budget between them.
	hosts := max(1, min(o.forks, len(o.hosts)))
	ph.Concurrency = max(64, min(scan.DefaultConcurrency, (int(scan.RaiseNoFile())-1024)/hosts))
	return ph, nil
}

// decodePortsCheck reads `checks: ports:`; `ports:` alone means defaults.
// Errors name the line and the key.
func decodePortsCheck(n *yaml.Node) (portsCheck, error) {
	pc := portsCheck{Expect: scan.DefaultExpect, Range: scan.AllPorts}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return pc, nil
	}
	if n.Kind != yaml.MappingNode {
		return pc, fmt.Errorf("line %d: checks.ports: must be a mapping (expect, range, timeout)", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "expect":
			pc.Expect = scalarList(v)
		case "range":
			pc.Range = v.Value
		case "udp":
			pc.UDP = scalarList(v)
		case "expectUDP":
			pc.ExpectUDP = scalarList(v)
		case "timeout":
			d, err := time.ParseDuration(v.Value)
			if err != nil || d <= 0 {
				return pc, fmt.Errorf("line %d: checks.ports.timeout: %q is not a positive duration", v.Line, v.Value)
			}
			pc.Timeout = d
		default:
			return pc, fmt.Errorf("line %d: checks.ports.%s: unknown key (expect, range, timeout, udp, expectUDP)", k.Line, k.Value)
		}
	}
	return pc, nil
}

// udpPorts parses checks.ports.udp and expectUDP; both may be empty.
func udpPorts(pc portsCheck) (udp, expect []uint16, err error) {
	if strings.TrimSpace(pc.UDP) != "" {
		if udp, err = scan.ParsePorts(pc.UDP); err != nil {
			return nil, nil, fmt.Errorf("checks.ports.udp: %v", err)
		}
	}
	if strings.TrimSpace(pc.ExpectUDP) != "" {
		if expect, err = scan.ParsePorts(pc.ExpectUDP); err != nil {
			return nil, nil, fmt.Errorf("checks.ports.expectUDP: %v", err)
		}
	}
	return udp, expect, nil
}

// scalarList reads "22,80,443" and the YAML list [22, 80, 443] alike.
func scalarList(n *yaml.Node) string {
	if n.Kind != yaml.SequenceNode {
		return n.Value
	}
	parts := make([]string, len(n.Content))
	for i, c := range n.Content {
		parts[i] = c.Value
	}
	return strings.Join(parts, ",")
}

// mapValue returns the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
