package playbook

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// playbook decodes the root mapping. Each section starts from its defaults
// and keeps going after a problem, so one run reports everything.
func (d *decoder) playbook(root *yaml.Node) *Playbook {
	p := &Playbook{Firewall: defaultFirewall()}
	root = yamlnode.Resolve(root)
	if root.Kind != yaml.MappingNode {
		d.errorf(root.Line, "", "a playbook must be a mapping with at least hosts, got %s", yamlnode.Describe(root))
		return p
	}
	m, _ := d.mapping(root, "", topKeys...)
	if v := m["domain"]; v == nil {
		d.errorf(root.Line, "domain", "required")
	} else {
		p.Domain = d.domain(v)
	}
	if v := m["mask"]; v != nil {
		p.Mask, _ = d.strings(v, "mask", maskProblem)
	}
	p.defaults = d.defaults(m["defaults"])
	p.Hosts = d.hosts(m["hosts"], root.Line, p.defaults)
	d.checkJumps(p.Hosts)
	p.Firewall = d.firewall(m["firewall"])
	p.DNS = d.dns(m["dns"])
	p.Manifests = d.manifests(m["manifests"])
	p.Checks = d.checks(m["checks"])
	return p
}

// domain reads the domain the hosts serve, lower case without trailing dot.
// It must have a dot: certificates are not issued for single labels.
func (d *decoder) domain(n *yaml.Node) string {
	s, ok := d.Str(n, "domain")
	if !ok {
		return ""
	}
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	if p := hostnameProblem(s); p != "" {
		d.errorf(yamlnode.Resolve(n).Line, "domain", "must be a DNS name such as staging.example.com: %s", p)
	} else if !strings.Contains(s, ".") {
		d.errorf(yamlnode.Resolve(n).Line, "domain", "must be a fully qualified name such as staging.example.com, got %q", s)
	}
	return s
}

// maskProblem checks a secret pattern. One matching the empty string would
// make the redactor insert its mask between every two characters.
func maskProblem(s string) string {
	if s == "" {
		return "must not be empty"
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return fmt.Sprintf("not a valid regular expression: %v", err)
	}
	if re.MatchString("") {
		return fmt.Sprintf("pattern %q matches the empty string", s)
	}
	return ""
}
