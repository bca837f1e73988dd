package dnsquery

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// MaxChain bounds how many CNAMEs a lookup follows: more is a
// misconfiguration (or a loop), and resolvers give up around there too.
const MaxChain = 8

// Answer is what one server said about a name's addresses.
type Answer struct {
	Server string       `json:"server"`
	Name   string       `json:"name"`
	Chain  []string     `json:"cname,omitempty"` // CNAME targets followed, in order
	Addrs  []netip.Addr `json:"addrs"`           // A and AAAA, sorted
}

// Mode says how to ask: Recurse sets RD (a resolver); Authoritative
// requires the AA flag on every reply (a server asked directly).
type Mode struct {
	Recurse       bool
	Authoritative bool
}

// Addresses asks server for name's A and AAAA records, following CNAMEs
// (in the reply, or by asking again, at most MaxChain). An error is a
// *QueryError: NXDOMAIN when the name (or a CNAME target) does not exist,
// NODATA when it has neither A nor AAAA.
func (c *Client) Addresses(ctx context.Context, server, name string, m Mode) (Answer, error) {
	name = dns.Fqdn(strings.ToLower(name))
	type res struct {
		addrs []netip.Addr
		chain []string
		err   error
	}
	var a, aaaa res
	done := make(chan struct{})
	go func() { aaaa.addrs, aaaa.chain, aaaa.err = c.follow(ctx, server, name, dns.TypeAAAA, m); close(done) }()
	a.addrs, a.chain, a.err = c.follow(ctx, server, name, dns.TypeA, m)
	<-done
	ans := Answer{Server: server, Name: name, Chain: a.chain}
	if err := errors.Join(a.err, aaaa.err); err != nil {
		// Both failing the same way (the usual case) is one finding.
		if KindOf(a.err) == KindOf(aaaa.err) {
			err = a.err
		}
		return ans, err
	}
	ans.Addrs = Sort(append(a.addrs, aaaa.addrs...))
	if len(ans.Addrs) == 0 {
		last := name
		if len(ans.Chain) > 0 {
			last = ans.Chain[len(ans.Chain)-1]
		}
		return ans, &QueryError{Server: server, Name: last, Type: dns.TypeA, Kind: KindNoData, Err: errors.New("neither A nor AAAA")}
	}
	return ans, nil
}

// follow resolves one record type, walking the CNAME chain.
func (c *Client) follow(ctx context.Context, server, name string, qtype uint16, m Mode) ([]netip.Addr, []string, error) {
	var chain []string
	seen := map[string]bool{name: true}
	cur := name
	for range MaxChain + 1 {
		q := Question(cur, qtype, m.Recurse)
		r, err := c.Exchange(ctx, server, q)
		if err != nil {
			return nil, chain, err
		}
		addrs, next, loop := walk(r.Answer, cur, qtype, seen)
		chain = append(chain, next...)
		if loop {
			return nil, chain, &QueryError{Server: server, Name: name, Type: qtype, Kind: KindLoop}
		}
		if len(next) > 0 {
			cur = next[len(next)-1]
		}
		if err := Check(server, q, r); err != nil {
			return nil, chain, withName(err, cur)
		}
		if m.Authoritative && !r.Authoritative {
			return nil, chain, &QueryError{Server: server, Name: cur, Type: qtype, Kind: KindNotAuth}
		}
		// Addresses, or no CNAME to chase: this type is answered (possibly
		// empty: NODATA for one family is fine).
		if len(addrs) > 0 || len(next) == 0 || len(chain) > MaxChain {
			if len(chain) > MaxChain {
				return nil, chain, &QueryError{Server: server, Name: name, Type: qtype, Kind: KindLoop}
			}
			return addrs, chain, nil
		}
	}
	return nil, chain, &QueryError{Server: server, Name: name, Type: qtype, Kind: KindLoop}
}

// walk reads the answer section from name on: the addresses of qtype at the
// end of the CNAME chain, and the CNAME targets passed on the way.
func walk(rrs []dns.RR, name string, qtype uint16, seen map[string]bool) (addrs []netip.Addr, next []string, loop bool) {
	cur := name
	for hop := 0; hop <= MaxChain; hop++ {
		var target string
		for _, rr := range rrs {
			if !strings.EqualFold(rr.Header().Name, cur) {
				continue
			}
			switch v := rr.(type) {
			case *dns.A:
				if qtype == dns.TypeA {
					addrs = appendAddr(addrs, v.A)
				}
			case *dns.AAAA:
				if qtype == dns.TypeAAAA {
					addrs = appendAddr(addrs, v.AAAA)
				}
			case *dns.CNAME:
				target = strings.ToLower(v.Target)
			}
		}
		if len(addrs) > 0 || target == "" {
			return addrs, next, false
		}
		if seen[target] {
			return nil, next, true
		}
		seen[target] = true
		next = append(next, target)
		cur = target
	}
	return nil, next, true
}

func appendAddr(addrs []netip.Addr, ip []byte) []netip.Addr {
	if a, ok := netip.AddrFromSlice(ip); ok {
		return append(addrs, a.Unmap())
	}
	return addrs
}

func withName(err error, name string) error {
	var qe *QueryError
	if errors.As(err, &qe) {
		qe.Name = name
	}
	return err
}

// Sort orders addresses IPv4 first, then by value, without duplicates.
func Sort(addrs []netip.Addr) []netip.Addr {
	slices.SortFunc(addrs, func(a, b netip.Addr) int { return a.Compare(b) })
	return slices.Compact(addrs)
}
