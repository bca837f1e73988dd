package cli

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// tlsKeys are the keys of `checks: tls:`.
var tlsKeys = []string{"caFile", "minValid", "port", "timeout", "httpRedirect"}

// tlsPhase builds the TLS check phase from the playbook's `checks: tls:`
// section. Without the section it is on by default when the run issues
// the certificate (issuing is a manifests step of this run): until then
// hosts serve a self-signed placeholder on 443, so a check there would
// only fail. Otherwise the phase is disabled (Addrs nil). The caller sets
// Record and Progress.
func tlsPhase(o *runOpts, issues bool) (phase.TLS, error) {
	var ph phase.TLS
	node := mapValue(&o.pb.Checks, "tls")
	if node == nil && !issues {
		return ph, nil
	}
	if node == nil {
		node = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"} // defaults
	}
	var err error
	if ph, err = decodeTLSCheck(node, filepath.Dir(o.pb.Path)); err != nil {
		return ph, badInputf("playbook %s: %v", o.pb.Path, err)
	}
	if m := o.pb.Manifests; m != nil {
		// A staging certificate is what a staging issuer should give and
		// wrong from a production one. Staging roots are in no trust
		// store: without a caFile the chain of a staging certificate is
		// a warning, everything else is still checked.
		ph.Config.RejectStaging = m.ACME.Production
		ph.Config.StagingUntrusted = !m.ACME.Production && ph.Config.Roots == nil
	}
	ph.Config.Domain = o.pb.Domain
	addrs := map[string][]netip.Addr{}
	for _, h := range o.hosts {
		addrs[h.Name] = hostAddrs(h)
	}
	ph.Addrs = func(host string) []netip.Addr { return addrs[host] }
	return ph, nil
}

// decodeTLSCheck reads `checks: tls:`; `tls:` alone means defaults. A
// relative caFile is taken relative to dir, the playbook's directory.
// Errors name the line and the key.
func decodeTLSCheck(n *yaml.Node, dir string) (phase.TLS, error) {
	ph := phase.TLS{Port: tlscheck.DefaultPort, Config: tlscheck.Config{MinValid: tlscheck.DefaultMinValid}}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return ph, nil
	}
	if n.Kind != yaml.MappingNode {
		return ph, fmt.Errorf("line %d: checks.tls: must be a mapping (%s)", n.Line, strings.Join(tlsKeys, ", "))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		line := k.Line // an unknown key; a bad value is named by its own line
		if slices.Contains(tlsKeys, k.Value) {
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				continue // empty or ~: the default applies, as everywhere in a playbook
			}
			line = v.Line
		}
		if err := decodeTLSKey(&ph, k.Value, v, dir); err != nil {
			return ph, fmt.Errorf("line %d: checks.tls.%s: %w", line, k.Value, err)
		}
	}
	return ph, nil
}

// decodeTLSKey sets one key of `checks: tls:` on ph.
func decodeTLSKey(ph *phase.TLS, key string, v *yaml.Node, dir string) error {
	if v.Kind != yaml.ScalarNode {
		return fmt.Errorf("must be a scalar")
	}
	switch key {
	case "caFile":
		path, err := playbookPath(v.Value, dir)
		if err != nil {
			return err
		}
		if ph.Config.Roots, err = tlscheck.LoadRoots(path); err != nil {
			return err
		}
		ph.Config.RootsName = "caFile " + path
	case "minValid":
		d, err := tlscheck.ParseMinValid(v.Value)
		if err != nil {
			return err
		}
		ph.Config.MinValid = d
	case "port":
		p, err := strconv.ParseUint(v.Value, 10, 16)
		if err != nil || p == 0 || v.Tag != "!!int" {
			return fmt.Errorf("must be an integer between 1 and 65535, got %q", v.Value)
		}
		ph.Port = uint16(p)
	case "timeout":
		d, err := time.ParseDuration(v.Value)
		if err != nil || d <= 0 {
			return fmt.Errorf("%q is not a positive duration", v.Value)
		}
		ph.Config.Timeout = d
	case "httpRedirect":
		b, err := strconv.ParseBool(v.Value)
		if err != nil || v.Tag != "!!bool" {
			return fmt.Errorf("must be true or false, got %q", v.Value)
		}
		ph.Config.HTTPRedirect = b
	default:
		return fmt.Errorf("unknown key (%s)", strings.Join(tlsKeys, ", "))
	}
	return nil
}

// playbookPath expands a path written in the playbook the way the
// playbook's own paths are (playbook.ExpandPath); empty is an error here.
func playbookPath(p, dir string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("empty path")
	}
	return playbook.ExpandPath(p, dir)
}
