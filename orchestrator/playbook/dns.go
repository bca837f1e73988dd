package playbook

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// DNS configures the DNS preflight: the domain must resolve to the hosts'
// expected addresses, and CAA must allow the certificate issuer.
type DNS struct {
	Nameservers []string      // host:port to ask; empty: the resolvers of the machine running ck8sctl
	Wait        time.Duration // how long to wait for DNS to converge before failing; 0: check once
	CAAIssuer   string        // the CA that CAA records must allow
}

// DefaultCAAIssuer is the issuer cert-manager uses by default.
const DefaultCAAIssuer = "letsencrypt.org"

var dnsKeys = []string{"nameservers", "wait", "caaIssuer"}

func (d *decoder) dns(n *yaml.Node) DNS {
	out := DNS{Nameservers: []string{}, CAAIssuer: DefaultCAAIssuer}
	m, ok := d.mapping(n, "dns", dnsKeys...)
	if !ok {
		return out
	}
	if v := m["nameservers"]; v != nil {
		items, _ := d.list(v, "dns.nameservers")
		for i, item := range items {
			p := yamlnode.Index("dns.nameservers", i)
			if s, ok := d.Str(item, p); ok {
				ns, err := nameserver(s)
				if err != nil {
					d.errorf(yamlnode.Resolve(item).Line, p, "must be host or host:port: %v", err)
					continue
				}
				out.Nameservers = append(out.Nameservers, ns)
			}
		}
	}
	if v := m["wait"]; v != nil {
		out.Wait, _ = d.duration(v, "dns.wait")
	}
	if v := m["caaIssuer"]; v != nil {
		if s, ok := d.Str(v, "dns.caaIssuer"); ok {
			if p := hostnameProblem(s); p != "" {
				d.errorf(yamlnode.Resolve(v).Line, "dns.caaIssuer", "must be a domain name such as letsencrypt.org: %s", p)
			}
			out.CAAIssuer = s
		}
	}
	return out
}
