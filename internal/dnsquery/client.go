// Package dnsquery asks one DNS server one question, the way both halves of
// the DNS preflight need it: over UDP with a TCP retry when the answer is
// truncated, bounded by a per-query timeout, and with every failure
// classified (SERVFAIL, REFUSED, NXDOMAIN, NODATA, timeout) so the message
// says what went wrong where. It never falls back to the system resolver:
// callers name every server they ask. Shared by the orchestrator's
// authoritative view (orchestrator/dnscheck) and the agent's host view
// (agent/dns).
package dnsquery

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// DefaultTimeout bounds one exchange with one server when Client.Timeout
// is zero.
const DefaultTimeout = 2 * time.Second

// udpSize is the EDNS0 buffer we advertise: large enough for A/AAAA/CAA
// sets, small enough to avoid fragmentation (DNS flag day 2020).
const udpSize = 1232

// Client asks DNS servers questions. The zero value is ready to use.
type Client struct {
	// Timeout bounds each exchange (one UDP try, or the TCP retry).
	Timeout time.Duration
	// Attempts is how many times a timed-out UDP question is sent; 1 if 0.
	Attempts int
}

// Exchange sends q to server (ip:port) and returns the reply. A truncated
// UDP reply is asked again over TCP. Transport errors come back as a
// *QueryError of KindTimeout or KindNetwork; the reply's rcode is the
// caller's business (see Check).
func (c *Client) Exchange(ctx context.Context, server string, q *dns.Msg) (*dns.Msg, error) {
	name, qtype := q.Question[0].Name, q.Question[0].Qtype
	if ap, perr := netip.ParseAddrPort(server); perr == nil {
		if err := fence.Check(ap.Addr()); err != nil {
			return nil, &QueryError{Server: server, Name: name, Type: qtype, Kind: KindNetwork, Err: err}
		}
	}
	var r *dns.Msg
	var err error
	for range max(c.Attempts, 1) {
		r, err = c.exchange(ctx, "udp", server, q)
		if !isTimeout(err) || ctx.Err() != nil {
			break
		}
	}
	if err == nil && r.Truncated {
		r, err = c.exchange(ctx, "tcp", server, q)
	}
	if err != nil {
		return nil, transportError(server, name, qtype, c.timeout(), err)
	}
	if r.Id != q.Id {
		return nil, &QueryError{Server: server, Name: name, Type: qtype, Kind: KindNetwork, Err: errors.New("reply id does not match the question")}
	}
	return r, nil
}

func (c *Client) exchange(ctx context.Context, network, server string, q *dns.Msg) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	dc := &dns.Client{Net: network, Timeout: c.timeout(), UDPSize: udpSize}
	r, _, err := dc.ExchangeContext(ctx, q, server)
	return r, err
}

func (c *Client) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// Question builds a query for name (made fully qualified) and qtype. recurse
// sets RD: false when asking an authoritative server directly, so a server
// that is not authoritative cannot hide behind a cache.
func Question(name string, qtype uint16, recurse bool) *dns.Msg {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	q.RecursionDesired = recurse
	q.SetEdns0(udpSize, false)
	return q
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
