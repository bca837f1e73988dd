package phase

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// Exposure states: how a listening socket of the host looks from outside.
const (
	Exposed    = "exposed"     // open from outside
	Shielded   = "shielded"    // listening, but not open from outside
	Local      = "local"       // bound to loopback only
	NoListener = "no-listener" // open from outside, nothing listens on the host
)

// Verdicts of what is open from outside, against the expected ports.
const (
	Allowed   = "allowed"
	Violation = "violation"
)

// Exposure is one listener (or one open port without a listener) joined
// with the outside scan: the data of event ports.exposure, and what tells
// a user why a port is exposed.
type Exposure struct {
	Port    uint16 `json:"port"`
	State   string `json:"state"`
	Verdict string `json:"verdict,omitempty"` // exposed and no-listener only
	Proto   string `json:"proto,omitempty"`
	// Addr is the listener's bound address, or for no-listener the outside
	// address the port is open on.
	Addr    string   `json:"addr"`
	PID     int      `json:"pid,omitempty"`
	Process string   `json:"process,omitempty"`
	OpenOn  []string `json:"openOn,omitempty"` // outside addresses it answers on
	Note    string   `json:"note,omitempty"`
}

// Exposure joins the host's listeners with the outside findings, port by
// port. A listener answers on a scanned address when bound to it or to the
// wildcard of its family; "::" also covers IPv4, as dual-stack sockets do
// by default (/proc does not show IPV6_V6ONLY). A port open on an address
// no listener covers is forwarded elsewhere: DNAT, a NodePort, a container.
func ExposureOf(listeners []facts.Listener, findings []scan.Finding, expect []uint16) []Exposure {
	verdict := func(p uint16) string {
		if slices.Contains(expect, p) {
			return Allowed
		}
		return Violation
	}
	var out []Exposure
	for _, l := range listeners {
		e := Exposure{Port: l.Port, Proto: l.Proto, Addr: l.Addr.String(), PID: l.PID, Process: l.Process, State: Local}
		if !l.Loopback() {
			e.State = Shielded
			for _, f := range findings {
				if t, err := netip.ParseAddr(f.Target); err == nil && covers(l, t) && slices.Contains(f.Open, l.Port) {
					e.OpenOn = append(e.OpenOn, f.Target)
				}
			}
			if len(e.OpenOn) > 0 {
				e.State, e.Verdict = Exposed, verdict(l.Port)
			}
		}
		out = append(out, e)
	}
	for _, f := range findings {
		t, err := netip.ParseAddr(f.Target)
		if err != nil {
			continue
		}
		for _, p := range f.Open {
			if !slices.ContainsFunc(listeners, func(l facts.Listener) bool { return l.Port == p && !l.Loopback() && covers(l, t) }) {
				out = append(out, Exposure{Port: p, State: NoListener, Verdict: verdict(p), Addr: f.Target,
					OpenOn: []string{f.Target}, Note: "no listener (DNAT/NodePort/container?)"})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Exposure) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.State, b.State), cmp.Compare(a.Addr, b.Addr))
	})
	return out
}

// covers reports whether listener l answers connections to target t.
func covers(l facts.Listener, t netip.Addr) bool {
	a, t := l.Addr.Unmap(), t.Unmap()
	if a.IsUnspecified() {
		return t.Is4() && a.Is4() || l.Proto == "tcp6"
	}
	return a == t
}

// exposureSummary is the ports.exposure message, and whether any port is a
// violation: "exposed 22/sshd, 5432/decoys (violation); shielded 8080; ...".
func exposureSummary(ex []Exposure) (string, bool) {
	groups := map[string][]string{}
	violation := false
	for _, e := range ex {
		s := fmt.Sprint(e.Port)
		if e.Process != "" {
			s += "/" + e.Process
		}
		if e.Verdict == Violation {
			s += " (violation)"
			violation = true
		}
		if !slices.Contains(groups[e.State], s) {
			groups[e.State] = append(groups[e.State], s)
		}
	}
	var parts []string
	for _, st := range []string{Exposed, NoListener, Shielded, Local} {
		if len(groups[st]) > 0 {
			parts = append(parts, st+" "+strings.Join(groups[st], ", "))
		}
	}
	if len(parts) == 0 {
		return "no listeners and nothing open", false
	}
	return strings.Join(parts, "; "), violation
}
