package dnsquery

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Diff is how an answer differs from the expected addresses.
type Diff struct {
	Missing []netip.Addr `json:"missing,omitempty"` // expected, not answered
	Extra   []netip.Addr `json:"extra,omitempty"`   // answered, not expected
}

// Compare returns what got lacks and what it has too many of, compared with
// want. Exact equality is the bar: an extra (old) address is how a stale
// record shows, and an unexpected AAAA breaks ACME http-01 just as surely
// as a wrong A, because validators prefer IPv6.
func Compare(want, got []netip.Addr) Diff {
	var d Diff
	for _, w := range want {
		if !slices.Contains(got, w) {
			d.Missing = append(d.Missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) && !slices.Contains(d.Extra, g) {
			d.Extra = append(d.Extra, g)
		}
	}
	return d
}

// OK reports whether the answer matched exactly.
func (d Diff) OK() bool { return len(d.Missing) == 0 && len(d.Extra) == 0 }

func (d Diff) String() string {
	var parts []string
	if len(d.Missing) > 0 {
		parts = append(parts, "missing "+Join(d.Missing))
	}
	if len(d.Extra) > 0 {
		parts = append(parts, "unexpected "+Join(d.Extra))
	}
	if len(parts) == 0 {
		return "matches"
	}
	return strings.Join(parts, ", ")
}

// Join formats addresses as "a, b"; "none" when empty.
func Join(addrs []netip.Addr) string {
	if len(addrs) == 0 {
		return "none"
	}
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// Mismatch formats a failed comparison for one server.
func Mismatch(server string, want, got []netip.Addr) string {
	return fmt.Sprintf("%s answers %s, expected %s (%s)", server, Join(got), Join(want), Compare(want, got))
}
