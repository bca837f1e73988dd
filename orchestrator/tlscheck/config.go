// Package tlscheck is the outside TLS check of a domain: it connects to an
// address with the domain as SNI, allowing TLS 1.0 and up so that an old
// server is reported rather than merely failing the handshake, and judges
// what it is served: the chain against the system roots or a given CA
// bundle, the name, the validity window against a minimum remaining
// validity, the negotiated version (TLS 1.2 at least), and whether the
// issuer is a known ACME staging CA. Like a probe it collects every finding
// instead of stopping at the first, and the clock is injected so expiry is
// testable. Only public certificate fields ever reach a Report.
package tlscheck

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// Defaults for the zero Config.
const (
	DefaultPort     = 443
	DefaultMinValid = 14 * 24 * time.Hour
	DefaultTimeout  = 5 * time.Second
)

// Config is one check.
type Config struct {
	// Domain is the name sent as SNI and verified against the certificate.
	Domain string
	// Addr is where to connect. If it is the zero value, Domain is
	// resolved with Resolver and the first address is checked on port 443.
	Addr netip.AddrPort
	// Resolver resolves Domain when Addr is unset. If nil, Go's resolver
	// with the system's configuration, its nameservers held to the network
	// fence like every other probe.
	Resolver *net.Resolver
	// Allow, if not nil, is a scope guard: an address outside every prefix
	// is refused before anything is sent (tests allow only lab ranges).
	Allow []netip.Prefix
	// Roots verifies the chain; the system roots if nil. RootsName says
	// where they came from in the report ("--ca-file ca.pem").
	Roots     *x509.CertPool
	RootsName string
	// MinValid is the least remaining validity that passes (the CLI's
	// default is DefaultMinValid); zero only fails an expired certificate.
	MinValid time.Duration
	// RejectStaging makes a certificate from an ACME staging CA a failure
	// (production); by default it is only a warning (expected on staging).
	RejectStaging bool
	// StagingUntrusted makes an untrusted chain from a known ACME staging
	// CA a warning: a playbook that issues staging certificates but names
	// no CA file for them still gets its name, validity and version
	// checked by default.
	StagingUntrusted bool
	// Timeout bounds the connect and the handshake each; DefaultTimeout if zero.
	Timeout time.Duration
	// HTTPRedirect also asks the same address for http://<domain>/ on
	// HTTPPort (DefaultHTTPPort if zero) and fails unless it redirects to
	// https on the domain.
	HTTPRedirect bool
	HTTPPort     uint16
	// Now is the clock the validity is judged by; time.Now if nil.
	Now func() time.Time
}

// Validate checks the configuration, naming the field at fault.
func (c *Config) Validate() error {
	var errs []error
	if err := ValidDomain(c.Domain); err != nil {
		errs = append(errs, fmt.Errorf("domain: %w", err))
	}
	if c.Addr.IsValid() && c.Addr.Port() == 0 {
		errs = append(errs, fmt.Errorf("addr: %s has port 0", c.Addr))
	}
	if c.MinValid < 0 {
		errs = append(errs, errors.New("minValid: negative"))
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("timeout: negative"))
	}
	return errors.Join(errs...)
}

func (c *Config) defaults() {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Resolver == nil {
		c.Resolver = &net.Resolver{PreferGo: true, Dial: fencedDial}
	}
	if c.RootsName == "" {
		c.RootsName = "system roots"
		if c.Roots != nil {
			c.RootsName = "given CA bundle"
		}
	}
	c.Domain = strings.ToLower(strings.TrimSuffix(c.Domain, "."))
}

// resolve returns the address to check: Addr, or Domain's first address.
func (c *Config) resolve(ctx context.Context) (netip.AddrPort, error) {
	if c.Addr.IsValid() {
		return c.Addr, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	addrs, err := c.Resolver.LookupNetIP(ctx, "ip", c.Domain)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("resolving %s: %w", c.Domain, err)
	}
	if len(addrs) == 0 {
		return netip.AddrPort{}, fmt.Errorf("resolving %s: no addresses", c.Domain)
	}
	return netip.AddrPortFrom(addrs[0].Unmap(), DefaultPort), nil
}

// fencedDial is the default resolver's dial: a nameserver outside the
// network fence is refused before the query leaves.
func fencedDial(ctx context.Context, network, address string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return nil, fmt.Errorf("nameserver %q: %w", address, err)
	}
	if err := fence.Check(ap.Addr()); err != nil {
		return nil, fmt.Errorf("nameserver %s: %w", address, err)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}
