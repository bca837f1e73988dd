package dnscheck

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/ck8s/ck8sctl/internal/dnsquery"
)

// KindMismatch marks a server that answered, but not the expected addresses.
const KindMismatch dnsquery.Kind = "mismatch"

// probe is what a configured server turned out to be.
type probe struct {
	server string
	auth   bool   // answered for the zone with AA
	zone   string // the zone apex its SOA named
	found  []ServerView
	err    error
}

// findServers asks every configured server for the domain's SOA without
// recursion: an authoritative server answers with AA and is checked as is;
// a resolver answers without AA and is asked for the zone's NS instead.
func findServers(ctx context.Context, c *dnsquery.Client, cfg *Config, rep *Report) []ServerView {
	probes := make([]probe, len(cfg.Nameservers))
	var wg sync.WaitGroup
	for i, ns := range cfg.Nameservers {
		wg.Go(func() { probes[i] = probeServer(ctx, c, ns, cfg.Domain) })
	}
	wg.Wait()
	var out []ServerView
	seen := map[string]bool{}
	addView := func(v ServerView) {
		if !seen[v.Server] {
			seen[v.Server] = true
			out = append(out, v)
		}
	}
	for _, p := range probes {
		if p.zone != "" && rep.Zone == "" {
			rep.Zone = p.zone
		}
		switch {
		case p.err != nil && !p.auth && p.found == nil:
			// Unknown role: report it as a server that did not answer.
			addView(ServerView{Server: p.server, Kind: kindOrOther(p.err), Error: p.err.Error()})
		case p.auth:
			addView(ServerView{Server: p.server})
		default:
			rep.Resolvers = append(rep.Resolvers, p.server)
			if p.err != nil {
				rep.add(p.server, kindOrOther(p.err), "finding the nameservers of %s through %s: %v", cfg.Domain, p.server, p.err)
			}
			for _, v := range p.found {
				addView(v)
			}
		}
	}
	return out
}

func probeServer(ctx context.Context, c *dnsquery.Client, server, domain string) probe {
	p := probe{server: server}
	q := dnsquery.Question(domain, dns.TypeSOA, false)
	r, err := c.Exchange(ctx, server, q)
	if err != nil {
		p.err = err
		return p
	}
	p.zone = soaOwner(r)
	if r.Authoritative {
		p.auth = true
		return p
	}
	if err := dnsquery.Check(server, q, r); err != nil {
		p.err = err
		return p
	}
	p.found, p.zone, p.err = discover(ctx, c, server, domain)
	return p
}

// discover finds the zone of domain and its authoritative servers through
// a resolver.
func discover(ctx context.Context, c *dnsquery.Client, resolver, domain string) ([]ServerView, string, error) {
	q := dnsquery.Question(domain, dns.TypeSOA, true)
	r, err := c.Exchange(ctx, resolver, q)
	if err != nil {
		return nil, "", err
	}
	zone := soaOwner(r)
	if zone == "" {
		if err := dnsquery.Check(resolver, q, r); err != nil {
			return nil, "", err
		}
		return nil, "", fmt.Errorf("no SOA for %s or its parents", domain)
	}
	nq := dnsquery.Question(zone, dns.TypeNS, true)
	nr, err := c.Exchange(ctx, resolver, nq)
	if err == nil {
		err = dnsquery.Check(resolver, nq, nr)
	}
	if err != nil {
		return nil, zone, err
	}
	var views []ServerView
	for _, rr := range nr.Answer {
		ns, ok := rr.(*dns.NS)
		if !ok {
			continue
		}
		ans, err := c.Addresses(ctx, resolver, ns.Ns, dnsquery.Mode{Recurse: true})
		if err != nil {
			views = append(views, ServerView{Server: strings.ToLower(ns.Ns), NS: ns.Ns, Kind: kindOrOther(err), Error: "resolving nameserver: " + err.Error()})
			continue
		}
		for _, a := range ans.Addrs {
			views = append(views, ServerView{Server: net.JoinHostPort(a.String(), "53"), NS: strings.ToLower(ns.Ns)})
		}
	}
	if len(views) == 0 {
		return nil, zone, fmt.Errorf("zone %s has no NS records", zone)
	}
	return views, zone, nil
}

// soaOwner is the zone apex a reply names: the owner of a SOA in the answer
// (the name is the apex) or in the authority section (NODATA, NXDOMAIN).
func soaOwner(r *dns.Msg) string {
	for _, sec := range [][]dns.RR{r.Answer, r.Ns} {
		for _, rr := range sec {
			if soa, ok := rr.(*dns.SOA); ok {
				return strings.ToLower(soa.Hdr.Name)
			}
		}
	}
	return ""
}

func kindOrOther(err error) dnsquery.Kind {
	if k := dnsquery.KindOf(err); k != "" {
		return k
	}
	return dnsquery.KindOther
}
