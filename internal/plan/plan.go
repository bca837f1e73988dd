// Package plan is what the orchestrator asks the agent to do on one host:
// a versioned JSON document sent on the agent's stdin. Later issues add their
// sections (firewall, dns, manifests) here, so both binaries share one type.
package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// DefaultStateDir is where the agent keeps its binary, journal and lock on a
// host. Not /tmp: it may be noexec and is world-writable.
const DefaultStateDir = "/var/lib/ck8s"

// Plan is one agent run on one host.
type Plan struct {
	// Protocol must equal event.Protocol on both sides.
	Protocol int    `json:"protocol"`
	RunID    string `json:"runId"`
	Host     string `json:"host"`
	// Check asks for a read-only run: steps report what they would change.
	Check bool `json:"check,omitempty"`
	// Steps are the agent step names to run, in order.
	Steps []string `json:"steps"`
	// StateDir holds bin/, journal/ and the host lock.
	StateDir string `json:"stateDir,omitempty"`
	// LockWait bounds how long a run waits for another run's host lock.
	LockWait Duration `json:"lockWait,omitempty"`
	// Mask lists extra regular expressions whose matches are masked in
	// everything the agent reports (from the playbook's mask:).
	Mask []string `json:"mask,omitempty"`
	// Labels are free-form host labels from the playbook, echoed in facts.
	Labels map[string]string `json:"labels,omitempty"`
	// DNS asks the dns step for the host view of the DNS preflight; nil
	// when the playbook configures no preflight.
	DNS *DNSPlan `json:"dns,omitempty"`
	// Firewall is the profile the firewall step applies; nil: the step
	// fails, naming the missing section.
	Firewall *FirewallPlan `json:"firewall,omitempty"`
	// HTTP01 is the ACME http-01 rehearsal the http01 step serves (see
	// http01.go); nil: the step has nothing to do.
	HTTP01 *HTTP01Plan `json:"http01,omitempty"`
	// Manifests are the Kubernetes objects the manifests step applies
	// (see manifests.go); nil: the step fails, naming the missing section.
	Manifests *ManifestsPlan `json:"manifests,omitempty"`
}

// DNSPlan is the dns step's part of the plan: what the domain must resolve
// to through the host's own resolver, and the orchestrator's authoritative
// findings, which the step reports together with its own in one event (so
// the host's events keep one contiguous sequence, all numbered by the agent).
type DNSPlan struct {
	Domain string       `json:"domain"`
	Expect []netip.Addr `json:"expect"`
	// Timeout caps the per-query timeout of the host's resolv.conf.
	Timeout Duration `json:"timeout,omitempty"`
	// CAAIssuer is echoed in the event; the CAA check is the orchestrator's.
	CAAIssuer string `json:"caaIssuer,omitempty"`
	// Authoritative is the orchestrator's report (dnscheck.Report), passed
	// through as is.
	Authoritative json.RawMessage `json:"authoritative,omitempty"`
}

// Duration is a time.Duration that reads and writes as "1m30s" in JSON.
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ErrProtocol is returned for a plan of another protocol version. Not
// retryable: the orchestrator and the agent were built from different trees.
var ErrProtocol = errors.New("protocol version mismatch")

// Decode reads and validates one plan.
func Decode(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("decoding plan: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Encode returns the plan as JSON.
func (p *Plan) Encode() ([]byte, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Validate checks the fields the agent relies on.
func (p *Plan) Validate() error {
	switch {
	case p.Protocol != event.Protocol:
		return fmt.Errorf("plan field \"protocol\": %w: plan speaks %d, agent speaks %d", ErrProtocol, p.Protocol, event.Protocol)
	case p.RunID == "":
		return errors.New("plan field \"runId\": missing")
	case p.Host == "":
		return errors.New("plan field \"host\": missing")
	case len(p.Steps) == 0:
		return errors.New("plan field \"steps\": empty")
	case p.LockWait < 0:
		return errors.New("plan field \"lockWait\": negative")
	case p.DNS != nil && (p.DNS.Domain == "" || len(p.DNS.Expect) == 0):
		return errors.New("plan field \"dns\": needs a domain and expected addresses")
	}
	if p.HTTP01 != nil {
		if err := p.HTTP01.validate(); err != nil {
			return err
		}
	}
	if p.Manifests != nil {
		if err := p.Manifests.validate(); err != nil {
			return err
		}
	}
	if p.Firewall != nil {
		return p.Firewall.validate()
	}
	return nil
}

// Dir returns the state directory, defaulted.
func (p *Plan) Dir() string {
	if p.StateDir == "" {
		return DefaultStateDir
	}
	return p.StateDir
}

// FirewallPlan is the firewall step's part of the plan: the playbook's
// profile, validated by the orchestrator, plus the SSH port it connects to.
// The agent adds the ports its sshd really listens on.
type FirewallPlan struct {
	// Backend is "auto", "iptables" or "nftables".
	Backend  string `json:"backend"`
	AllowTCP []int  `json:"allowTCP"`
	AllowUDP []int  `json:"allowUDP"`
	// SSHPorts are the ports the orchestrator reaches sshd on.
	SSHPorts []int `json:"sshPorts"`
	// SSHSources limits who may open SSH connections; empty: anyone.
	SSHSources        []netip.Prefix `json:"sshSources"`
	TrustedInterfaces []string       `json:"trustedInterfaces"`
	TrustedCIDRs      []netip.Prefix `json:"trustedCIDRs"`
	// Reject answers refused connections with a reset/unreachable instead
	// of dropping them silently.
	Reject bool `json:"reject,omitempty"`
	// ConfirmTimeout is how long the rollback watchdog waits for the
	// orchestrator's confirmation over a new connection.
	ConfirmTimeout Duration `json:"confirmTimeout"`
	// Persist saves the confirmed rules where the host's boot restores them.
	Persist bool `json:"persist"`
}

func (f *FirewallPlan) validate() error {
	switch {
	case f.Backend != "auto" && f.Backend != "iptables" && f.Backend != "nftables":
		return fmt.Errorf("plan field \"firewall.backend\": %q is not auto, iptables or nftables", f.Backend)
	case f.ConfirmTimeout <= 0:
		return errors.New("plan field \"firewall.confirmTimeout\": must be positive")
	}
	for _, ps := range [][]int{f.AllowTCP, f.AllowUDP, f.SSHPorts} {
		for _, p := range ps {
			if p < 1 || p > 65535 {
				return fmt.Errorf("plan field \"firewall\": port %d out of range", p)
			}
		}
	}
	for _, n := range f.TrustedInterfaces {
		if n == "" || len(n) > 15 || strings.ContainsAny(n, " \t\n\"'/\\") {
			return fmt.Errorf("plan field \"firewall.trustedInterfaces\": %q is not an interface name", n)
		}
	}
	return nil
}
