package scan

import (
	"fmt"
	"slices"
	"time"
)

// Finding is one target's scan judged against the expected ports: the
// shape of the `ck8sctl scan -o json` entries and of the data of the
// ports.scan.completed event.
type Finding struct {
	Host            string      `json:"host,omitempty"` // the playbook host, if any
	Target          string      `json:"target"`
	Ports           string      `json:"ports"` // the scanned range, e.g. 1-65535
	Open            []uint16    `json:"open"`
	Closed          int         `json:"closed"`
	Filtered        int         `json:"filtered"`
	Reachable       bool        `json:"reachable"`
	Compliant       bool        `json:"compliant"`
	Verdict                     // unexpected open, expected closed
	Probes          int         `json:"probes"`
	DurationSeconds float64     `json:"durationSeconds"`
	Engine          EngineKind  `json:"engine,omitempty"` // syn or connect
	Heard           *int        `json:"heard,omitempty"`  // SYN engine: see Result.Heard
	UDP             *UDPFinding `json:"udp,omitempty"`    // only when UDP ports were probed
}

// Silence says what a target where no port answered sent back, if the
// engine knows: "" for the connect engine.
func (f Finding) Silence() string {
	switch {
	case f.Heard == nil:
		return ""
	case *f.Heard == 0:
		return fmt.Sprintf("%d SYNs sent, nothing came back", f.Probes)
	}
	return fmt.Sprintf("%d SYNs sent; %d segments came back, none an answer to them", f.Probes, *f.Heard)
}

// UDPFinding is the best-effort UDP part of a Finding. Open ports not
// expected make the Finding non-compliant, and so do expected ports the
// target proved closed (ICMP port unreachable); open|filtered ports (no
// answer) are reported and not judged.
type UDPFinding struct {
	BestEffort bool   `json:"bestEffort"` // always true: a reminder to the reader of the JSON
	Ports      string `json:"ports"`
	UDPResult
	Expect     []uint16 `json:"expect"`
	Unexpected []uint16 `json:"unexpectedOpen"`
	Missing    []uint16 `json:"expectedClosed"`
}

// WithUDP adds r's UDP result, judged against expected, to f; it returns
// f unchanged when r has none.
func (f Finding) WithUDP(r *Result, expected []uint16) Finding {
	if r.UDP == nil {
		return f
	}
	expected = slices.Sorted(slices.Values(expected))
	u := &UDPFinding{BestEffort: true, UDPResult: *r.UDP, Expect: expected, Unexpected: []uint16{}, Missing: []uint16{}}
	u.Ports = FormatPorts(append(append(append(append([]uint16{}, u.Open...), u.Closed...), u.Filtered...), u.OpenFiltered...))
	u.Unexpected = Judge(u.Open, expected).Unexpected
	for _, p := range expected {
		if slices.Contains(u.Closed, p) || slices.Contains(u.Filtered, p) {
			u.Missing = append(u.Missing, p)
		}
	}
	if u.Expect == nil {
		u.Expect = []uint16{}
	}
	f.UDP = u
	f.Compliant = f.Compliant && len(u.Unexpected) == 0 && len(u.Missing) == 0
	return f
}

// UDPProblems describes the UDP findings that make f non-compliant.
func (f Finding) UDPProblems() []string {
	var out []string
	if f.UDP == nil {
		return nil
	}
	if len(f.UDP.Unexpected) > 0 {
		out = append(out, fmt.Sprintf("%s: unexpected open udp %s", f.Target, FormatPorts(f.UDP.Unexpected)))
	}
	if len(f.UDP.Missing) > 0 {
		out = append(out, fmt.Sprintf("%s: expected udp closed %s", f.Target, FormatPorts(f.UDP.Missing)))
	}
	return out
}

// Judged builds the Finding of r against expected.
func Judged(host string, r *Result, ports string, expected []uint16) Finding {
	v := Judge(r.Open, expected)
	return Finding{
		Host: host, Target: r.Target.String(), Ports: ports,
		Open: r.Open, Closed: r.Closed, Filtered: r.Filtered,
		Reachable: r.Reachable(), Compliant: r.Reachable() && v.Compliant(), Verdict: v,
		Probes: r.Probes, DurationSeconds: r.Duration.Round(time.Millisecond).Seconds(), Engine: r.Engine, Heard: r.Heard,
	}
}
