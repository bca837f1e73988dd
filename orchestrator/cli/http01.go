package cli

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// http01Check is the playbook's `checks: http01:` section. Its presence
// turns the ACME http-01 rehearsal on in bootstrap: the agent's http01
// step runs after the firewall (so the rehearsal sees the hardened host)
// and before anything that would create a ClusterIssuer.
type http01Check struct {
	Timeout time.Duration `yaml:"timeout"` // per fetch; default 10s
}

const defaultHTTP01Timeout = 10 * time.Second

// http01Rehearsal returns the rehearsal phase and the agent steps with
// http01 inserted after firewall; nil and steps unchanged without a
// `checks: http01:` section or a manifests section (whose ClusterIssuer
// the rehearsal protects), or for a command without the DNS preflight
// (harden is firewall only).
func http01Rehearsal(o *runOpts, steps []string) (*phase.HTTP01, []string, error) {
	node := mapValue(&o.pb.Checks, "http01")
	if !slices.Contains(steps, "dns") || (node == nil && o.pb.Manifests == nil) {
		return nil, steps, nil
	}
	if node == nil {
		// The run creates a ClusterIssuer: rehearse first, by default.
		node = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	hc, err := decodeHTTP01Check(node)
	if err != nil {
		return nil, nil, badInputf("playbook %s: %v", o.pb.Path, err)
	}
	if o.pb.Domain == "" {
		return nil, nil, badInputf("playbook %s: checks.http01: needs the playbook's domain", o.pb.Path)
	}
	addrs := map[string][]netip.Addr{}
	for _, h := range o.hosts {
		addrs[h.Name] = hostAddrs(h)
	}
	ph := &phase.HTTP01{Timeout: hc.Timeout, Addrs: func(host string) []netip.Addr { return addrs[host] }}
	at := slices.Index(steps, "firewall") + 1 // 0 without a firewall step: first
	return ph, slices.Insert(slices.Clone(steps), at, "http01"), nil
}

// addHTTP01Plans gives each host its own random challenge. The window the
// agent serves is the fetch timeout plus slack for the event's trip; the
// orchestrator ends it sooner once its fetches are done.
func addHTTP01Plans(ts []*phase.Target, ph *phase.HTTP01, domain string) error {
	if ph == nil {
		return nil
	}
	for _, t := range ts {
		token, err := random(32)
		if err != nil {
			return err
		}
		thumb, err := random(32)
		if err != nil {
			return err
		}
		t.Plan.HTTP01 = &plan.HTTP01Plan{Domain: domain, Token: token, Body: token + "." + thumb,
			Window: plan.Duration(ph.Timeout + 5*time.Second)}
	}
	return nil
}

func random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("choosing an http-01 challenge: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeHTTP01Check reads `checks: http01:`; `http01:` alone means
// defaults. Errors name the line and the key.
func decodeHTTP01Check(n *yaml.Node) (http01Check, error) {
	hc := http01Check{Timeout: defaultHTTP01Timeout}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return hc, nil
	}
	if n.Kind != yaml.MappingNode {
		return hc, fmt.Errorf("line %d: checks.http01: must be a mapping (timeout)", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "timeout":
			d, err := time.ParseDuration(v.Value)
			if err != nil || d <= 0 || d > time.Minute {
				return hc, fmt.Errorf("line %d: checks.http01.timeout: %q is not a duration in (0, 1m]", v.Line, v.Value)
			}
			hc.Timeout = d
		default:
			return hc, fmt.Errorf("line %d: checks.http01.%s: unknown key (timeout)", k.Line, k.Value)
		}
	}
	return hc, nil
}
