package scan

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// ErrOutOfScope means a target is outside the prefixes the caller allowed.
// Nothing was sent to it. Not retryable: fix the target or the allow-list.
var ErrOutOfScope = errors.New("target is outside the allowed scope")

// LabPrefixes are the only networks tests and benchmarks may scan: the
// lab's benchmarking and documentation ranges and loopback.
var LabPrefixes = []netip.Prefix{
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}

// Guard is the scope guard: a scanner only ever connects to addresses
// inside one of its prefixes. The zero Guard allows nothing.
type Guard struct {
	Allow []netip.Prefix
}

// Hosts returns a Guard allowing exactly the given addresses.
func Hosts(addrs ...netip.Addr) Guard {
	var g Guard
	for _, a := range addrs {
		a = a.Unmap()
		g.Allow = append(g.Allow, netip.PrefixFrom(a, a.BitLen()))
	}
	return g
}

// Check returns nil if addr is in scope, else an ErrOutOfScope naming it.
func (g Guard) Check(addr netip.Addr) error {
	a := addr.Unmap()
	if !a.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrOutOfScope)
	}
	if a.Zone() != "" {
		a = a.WithZone("")
	}
	for _, p := range g.Allow {
		if p.Contains(a) {
			// The caller's scope, then the process-wide fence.
			if err := fence.Check(a); err != nil {
				return fmt.Errorf("%w: %w", ErrOutOfScope, err)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not in the allowed prefixes %v", ErrOutOfScope, addr, g.Allow)
}
