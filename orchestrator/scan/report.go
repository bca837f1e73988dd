package scan

import "time"

// Finding is one target's scan judged against the expected ports: the
// shape of the `ck8sctl scan -o json` entries and of the data of the
// ports.scan.completed event.
type Finding struct {
	Host            string   `json:"host,omitempty"` // the playbook host, if any
	Target          string   `json:"target"`
	Ports           string   `json:"ports"` // the scanned range, e.g. 1-65535
	Open            []uint16 `json:"open"`
	Closed          int      `json:"closed"`
	Filtered        int      `json:"filtered"`
	Reachable       bool     `json:"reachable"`
	Compliant       bool     `json:"compliant"`
	Verdict                  // unexpected open, expected closed
	Probes          int      `json:"probes"`
	DurationSeconds float64  `json:"durationSeconds"`
}

// Judged builds the Finding of r against expected.
func Judged(host string, r *Result, ports string, expected []uint16) Finding {
	v := Judge(r.Open, expected)
	return Finding{
		Host: host, Target: r.Target.String(), Ports: ports,
		Open: r.Open, Closed: r.Closed, Filtered: r.Filtered,
		Reachable: r.Reachable(), Compliant: r.Reachable() && v.Compliant(), Verdict: v,
		Probes: r.Probes, DurationSeconds: r.Duration.Round(time.Millisecond).Seconds(),
	}
}
