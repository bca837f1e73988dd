package lab

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// playbook mirrors the keys of the playbook package's schema that a lab
// fills in; the lab writes YAML rather than importing that package so the
// two can evolve separately, and a test parses the result back.
type playbook struct {
	Domain string         `yaml:"domain"`
	Hosts  []playbookHost `yaml:"hosts"`
	Checks *labChecks     `yaml:"checks,omitempty"`
	DNS    *labDNS        `yaml:"dns,omitempty"`
}

// labDNS makes bootstrap's DNS preflight ask the lab's own server, the one
// every host's resolv.conf points at too.
type labDNS struct {
	Nameservers []string `yaml:"nameservers,flow"`
}

// labChecks turns on bootstrap's outside port scan with the staging
// policy. Lab hosts run their decoys unshielded until a firewall is applied,
// so the scan names them and bootstrap exits 1: the truth about the host.
type labChecks struct {
	Ports struct {
		Expect string `yaml:"expect"`
	} `yaml:"ports"`
}

type playbookHost struct {
	Name           string   `yaml:"name"`
	Address        string   `yaml:"address"`
	Port           int      `yaml:"port"`
	User           string   `yaml:"user"`
	IdentityFile   string   `yaml:"identityFile"`
	KnownHostsFile string   `yaml:"knownHostsFile"`
	Sudo           bool     `yaml:"sudo"`
	ExpectIPs      []string `yaml:"expectIPs,flow"`
}

// renderPlaybook returns a playbook reaching every lab host as root over IPv4.
func renderPlaybook(l *Lab) ([]byte, error) {
	pb := playbook{Domain: Domain, Checks: &labChecks{}}
	pb.Checks.Ports.Expect = "22,80,443"
	if len(l.Nameservers) > 0 {
		// The IPv4 address only: one server is enough for the preflight, and
		// the demo's output stays short.
		pb.DNS = &labDNS{Nameservers: l.Nameservers[:1]}
	}
	for _, h := range l.Hosts {
		pb.Hosts = append(pb.Hosts, playbookHost{
			Name:           h.Name,
			Address:        h.Addr4.String(),
			Port:           h.Port,
			User:           "root",
			IdentityFile:   l.KeyFile,
			KnownHostsFile: l.KnownHostsFile,
			ExpectIPs:      []string{h.Addr4.String(), h.Addr6.String()},
		})
	}
	b, err := yaml.Marshal(pb)
	if err != nil {
		return nil, fmt.Errorf("rendering lab playbook: %w", err)
	}
	return append([]byte("# Written by ck8sctl lab up: the lab's hosts, reached as root by key.\n"), b...), nil
}
