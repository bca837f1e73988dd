package cli

import (
	"fmt"
	"net"
	"testing"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/miekg/dns"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labdns"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
)

// dnsLab is a one-host lab with real DNS servers on the bridge gateway:
// two authoritative servers for staging.lab.test (IPv4 and IPv6, random
// ports) and the host's resolver (port 53, which resolv.conf implies),
// which the host's /etc/resolv.conf points at.
type dnsLab struct {
	l          *lab.Lab
	h          lab.Host
	ns1, ns2   *labdns.Server
	resolver   *labdns.Server
	nameserver []string // for the playbook and --nameserver
}

func newDNSLab(t *testing.T) *dnsLab {
	t.Helper()
	testenv.RequireRoot(t)
	agenttest.Require(t)
	l := labtest.NewWith(t, 1, func(o *lab.Options) {
		gw4, _ := lab.Gateways(o.Index)
		o.ResolvConf = "nameserver " + gw4.String() + "\noptions timeout:1 attempts:2\n"
	})
	d := &dnsLab{l: l, h: l.Hosts[0]}
	serve := func(addr string) *labdns.Server {
		s, err := labdns.Serve(addr, d.zone(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	d.ns1 = serve(net.JoinHostPort(l.Gateway4.String(), "0"))
	d.ns2 = serve(net.JoinHostPort(l.Gateway6.String(), "0"))
	d.resolver = serve(net.JoinHostPort(l.Gateway4.String(), "53"))
	d.resolver.SetMode(labdns.Resolver)
	d.nameserver = []string{d.ns1.Addr, d.ns2.Addr}
	return d
}

// zone is the healthy zone: the domain points at the lab host, v4 and v6.
func (d *dnsLab) zone(t *testing.T, extra ...string) *labdns.Zone {
	t.Helper()
	z, err := labdns.NewZone("staging.lab.test.", append([]string{
		"@ A " + d.h.Addr4.String(), "@ AAAA " + d.h.Addr6.String(),
		"ns1 A " + d.l.Gateway4.String(), "ns2 AAAA " + d.l.Gateway6.String(),
	}, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// reset gives every server the healthy zone and normal behaviour.
func (d *dnsLab) reset(t *testing.T) {
	t.Helper()
	for _, s := range []*labdns.Server{d.ns1, d.ns2, d.resolver} {
		s.SetZone(d.zone(t))
		s.SetMode(labdns.Answer)
	}
	d.resolver.SetMode(labdns.Resolver)
}

// point makes server s answer addr for the domain (a stale record).
func point(t *testing.T, s *labdns.Server, addr string) {
	t.Helper()
	z := s.Zone()
	z.Remove("@", dns.TypeA)
	z.Remove("@", dns.TypeAAAA)
	if err := z.Add("@ A " + addr); err != nil {
		t.Fatal(err)
	}
}

func (d *dnsLab) playbookTop() string {
	return fmt.Sprintf("dns:\n  nameservers: [%q, %q]\n", d.ns1.Addr, d.ns2.Addr)
}

func (d *dnsLab) hostSpec() hostSpec {
	return hostSpec{host: d.h, extra: fmt.Sprintf("    expectIPs: [%s, %s]\n", d.h.Addr4, d.h.Addr6)}
}
