// Package action runs ck8sctl's actions — bootstrap, harden and sweep — on
// the hosts of a playbook. An action is data (Spec): its agent steps in
// order and which orchestrator phases run. Prepare turns an action, a
// playbook and the caller's settings into a run, validating everything
// before any host or database is touched; Run carries it out and returns
// the report. The CLI only parses flags, calls these and prints; `serve`
// calls the very same functions from a job, with no terminal.
package action

import (
	"fmt"
	"slices"
)

// Name names an action.
type Name string

// Actions.
const (
	Bootstrap Name = "bootstrap" // the whole flow: DNS, firewall, manifests, checks
	Harden    Name = "harden"    // the firewall only: drift repair, confirmed
	Sweep     Name = "sweep"     // read-only compliance of every host
)

// Spec is what an action does, kept in one place.
type Spec struct {
	Name Name
	// Steps are the agent steps, in order. dns comes first: nothing
	// changes before it passes. listeners come after the firewall so the
	// scan joins them with the hardened host. The http01 and manifests
	// steps are inserted after the firewall when the playbook asks.
	Steps []string
	// Preflight runs the DNS preflight (authoritative half here, host
	// half in the agent's dns step).
	Preflight bool
	// Manifests adds the manifests step when the playbook has a section.
	Manifests bool
	// HTTP01 adds the ACME http-01 rehearsal with manifests or
	// checks.http01. It serves on the host's port 80 for seconds: never in
	// a read-only action.
	HTTP01 bool
	// ReadOnly forces check mode: the action never changes a host (but
	// for the agent binary and its journal under the state directory).
	ReadOnly bool
	// AlwaysScan scans every host's ports from outside even without
	// checks.ports (with its defaults); otherwise only with it.
	AlwaysScan bool
	// SharedScan submits every host's scan to one scanner for the run: one
	// engine, one in-flight budget and one rate for the whole fleet.
	SharedScan bool
	// HostDeadline bounds each host by the playbook's checks.sweep.hostTimeout.
	HostDeadline bool
	// Verdicts records a sweep.* event per host with its verdict and
	// findings, so history answers "since when is this host non-compliant".
	Verdicts bool
}

var specs = []Spec{
	{Name: Bootstrap, Steps: []string{"dns", "facts", "firewall", "metrics", "listeners"},
		Preflight: true, Manifests: true, HTTP01: true, SharedScan: true},
	{Name: Harden, Steps: []string{"firewall", "listeners"}, SharedScan: true},
	{Name: Sweep, Steps: []string{"dns", "facts", "firewall", "metrics", "listeners"},
		Preflight: true, Manifests: true, ReadOnly: true, AlwaysScan: true, SharedScan: true,
		HostDeadline: true, Verdicts: true},
}

// Lookup returns the spec of the action called name.
func Lookup(name Name) (Spec, error) {
	i := slices.IndexFunc(specs, func(s Spec) bool { return s.Name == name })
	if i < 0 {
		return Spec{}, fmt.Errorf("%w: unknown action %q (bootstrap, harden, sweep)", ErrInput, name)
	}
	return specs[i], nil
}

// Names lists the actions, in the order above.
func Names() []Name {
	out := make([]Name, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}

// steps returns the agent steps for a playbook: the base list with http01
// and manifests inserted after the firewall (manifests waits for the
// rehearsal's verdict, so it comes last of the three).
func (s Spec) steps(http01, manifests bool) []string {
	out := slices.Clone(s.Steps)
	at := slices.Index(out, "firewall") + 1 // 0 without a firewall step: first
	if manifests {
		out = slices.Insert(out, at, "manifests")
	}
	if http01 {
		out = slices.Insert(out, at, "http01")
	}
	return out
}
