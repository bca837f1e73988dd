package tlscheck

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ValidDomain accepts a DNS name with at least one dot: what a certificate
// for a site names and what SNI carries (never an IP address).
func ValidDomain(d string) error {
	d = strings.TrimSuffix(d, ".")
	if _, err := netip.ParseAddr(d); err == nil {
		return fmt.Errorf("%q is an IP address; give the domain (SNI) and the address with --addr", d)
	}
	if len(d) == 0 || len(d) > 253 || !strings.Contains(d, ".") {
		return fmt.Errorf("%q is not a domain name with at least one dot", d)
	}
	for _, label := range strings.Split(d, ".") {
		if len(label) == 0 || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return fmt.Errorf("%q is not a domain name (label %q)", d, label)
		}
	}
	return nil
}

// ParseAddr reads IP:PORT or [IPv6]:PORT. Names are refused: the address
// to check is given, never looked up behind the user's back.
func ParseAddr(s string) (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%q is not IP:PORT or [IPv6]:PORT", s)
	}
	if ap.Port() == 0 {
		return netip.AddrPort{}, fmt.Errorf("%q: port 0", s)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// ParseMinValid reads a Go duration ("36h") or a number of days with a d
// suffix ("14d"), the unit certificate lifetimes are spoken of in.
func ParseMinValid(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 || n > 3650 {
			return 0, fmt.Errorf("%q is not a number of days (like 14d) or a duration (like 36h)", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a number of days (like 14d) or a duration (like 36h)", s)
	}
	return d, nil
}
