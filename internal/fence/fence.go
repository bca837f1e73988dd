// Package fence is a process-wide network fence: when CK8S_NETWORK_FENCE
// lists prefixes, every probe ck8sctl sends on its own initiative (port
// scans, DNS queries, TLS checks) must go to one of them, or is refused
// before a packet leaves. The Makefile sets it to the lab and loopback
// ranges for tests, demos and benchmarks, so a mistyped target during
// development cannot reach someone else's network. Unset, it allows all:
// in production the playbook and the command line decide.
package fence

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// Env is the variable holding the fence: comma-separated prefixes or
// addresses.
const Env = "CK8S_NETWORK_FENCE"

// ErrOutside means an address is outside the fence. Nothing was sent.
var ErrOutside = errors.New("address is outside " + Env)

// Parse reads a fence: comma-separated prefixes or single addresses.
func Parse(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a prefix or address", Env, f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Check returns nil when addr may be contacted under the process's fence.
// A malformed fence refuses everything: a fence that was meant to be there
// must not silently fall open.
func Check(addr netip.Addr) error {
	// Read each time: a few prefixes parse in microseconds, and tests can
	// set the variable per test.
	ps, err := Parse(os.Getenv(Env))
	if err != nil {
		return err
	}
	return Within(ps, addr)
}

// Within is Check against an explicit fence (nil: no fence).
func Within(ps []netip.Prefix, addr netip.Addr) error {
	if len(ps) == 0 {
		return nil
	}
	a := addr.Unmap().WithZone("")
	for _, p := range ps {
		if p.Contains(a) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s (fence %v)", ErrOutside, addr, ps)
}
