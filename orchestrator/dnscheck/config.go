// Package dnscheck is the authoritative half of the DNS preflight: it finds
// the servers authoritative for the domain's zone, asks each of them
// directly (no recursion, AA required) for the domain's A and AAAA records,
// compares every answer with the expected addresses, checks that CAA allows
// the certificate issuer, and with a wait keeps asking, with backoff, until
// all servers agree or the deadline passes. Like a probe it collects every
// finding rather than stopping at the first, and time is injected so the
// wait is testable. It asks only the servers it is given; there is no
// fallback to the system resolver.
package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Config is one preflight.
type Config struct {
	Domain string
	// Expect is the exact set of addresses every server must answer.
	Expect []netip.Addr
	// Nameservers (ip:port) are asked first. One that answers for the zone
	// with the AA flag is checked as an authoritative server; one that
	// answers without it is used as a resolver to find the zone's NS
	// records, whose servers (port 53) are then checked.
	Nameservers []string
	// Wait is how long to keep retrying while servers disagree; 0 checks once.
	Wait time.Duration
	// CAAIssuer is the CA that CAA must allow; DefaultCAAIssuer if empty.
	CAAIssuer string
	// Timeout bounds each query to each server (2s if zero); Attempts is
	// how often a timed-out UDP query is sent (1 if zero).
	Timeout  time.Duration
	Attempts int

	// Now and Sleep are the clock; time.Now and a context-aware sleep if nil.
	Now   func() time.Time
	Sleep func(context.Context, time.Duration) error
	// OnRetry, if set, sees each failed attempt before the wait for the next.
	OnRetry func(*Report, time.Duration)
}

// DefaultCAAIssuer is the issuer cert-manager's default ACME issuer uses.
const DefaultCAAIssuer = "letsencrypt.org"

// Validate checks the configuration, naming the field at fault.
func (c *Config) Validate() error {
	var errs []error
	if err := CheckName(c.Domain); err != nil {
		errs = append(errs, fmt.Errorf("domain: %w", err))
	} else if !strings.Contains(strings.Trim(c.Domain, "."), ".") {
		errs = append(errs, fmt.Errorf("domain: %q is not a domain name with at least one dot", c.Domain))
	}
	if c.CAAIssuer != "" {
		// RFC 8659 issuer-domain-name: the CA's domain, as CAA records name it.
		if err := CheckName(c.CAAIssuer); err != nil {
			errs = append(errs, fmt.Errorf("caaIssuer: %w", err))
		}
	}
	if len(c.Expect) == 0 {
		errs = append(errs, errors.New("expect: at least one address is needed"))
	}
	if len(c.Nameservers) == 0 {
		errs = append(errs, errors.New("nameservers: at least one is needed (only the servers named are asked)"))
	}
	for i, ns := range c.Nameservers {
		if _, err := ParseNameserver(ns); err != nil {
			errs = append(errs, fmt.Errorf("nameservers[%d]: %w", i, err))
		}
	}
	if c.Wait < 0 {
		errs = append(errs, errors.New("wait: negative"))
	}
	return errors.Join(errs...)
}

// ParseNameserver normalises an IP or ip:port to ip:port (port 53 by
// default). Names are refused: resolving them would need a resolver, and
// the only resolvers the preflight may use are the ones it is given.
func ParseNameserver(s string) (string, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return "", fmt.Errorf("%q: port 0", s)
		}
		return ap.String(), nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return "", fmt.Errorf("%q is not an IP address or ip:port (names are not resolved)", s)
	}
	return netip.AddrPortFrom(a.Unmap(), 53).String(), nil
}

func (c *Config) defaults() {
	if c.CAAIssuer == "" {
		c.CAAIssuer = DefaultCAAIssuer
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	c.Domain = dns.Fqdn(strings.ToLower(c.Domain))
	for i, ns := range c.Nameservers {
		if n, err := ParseNameserver(ns); err == nil {
			c.Nameservers[i] = n
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
