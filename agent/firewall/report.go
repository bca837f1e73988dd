package firewall

import (
	"fmt"
	"time"
)

// Report is the data of every firewall.* event. The orchestrator reads
// the change id from firewall.applied to confirm it.
type Report struct {
	Backend  string `json:"backend"`
	Variant  string `json:"variant,omitempty"`
	SSHPorts []int  `json:"sshPorts"`
	// The change (applied, confirmed, rolled_back, persisted).
	ID             string `json:"id,omitempty"`
	Deadline       string `json:"deadline,omitempty"` // RFC 3339, nanoseconds
	ConfirmTimeout string `json:"confirmTimeout,omitempty"`
	// ConfirmRequest (applied only) is the file to create over a new
	// connection to confirm the change: its watchdog confirms it. No
	// program of ours runs on that connection, one agent start less per
	// apply than the firewall-confirm command (which works too).
	ConfirmRequest string `json:"confirmRequest,omitempty"`
	// Watchdog says how the change's rollback watchdog runs: its own
	// systemd unit, or a detached process (and why, where systemd runs).
	Watchdog string `json:"watchdog,omitempty"`
	// Diff is the unified diff from the live owned state to the expected
	// one (drift_detected, applied).
	Diff string `json:"diff,omitempty"`
	// Result is how the change ended (confirmed, rolled_back, persisted).
	Result *Result `json:"result,omitempty"`
}

// withChange returns r describing the change p.
func (r Report) withChange(p *pending) Report {
	r.ID = p.ID
	r.Deadline = p.Deadline.Format(time.RFC3339Nano)
	r.ConfirmTimeout = time.Duration(p.ConfirmTimeout).String()
	return r
}

// RolledBackError is a change that did not stay: rolled back because no
// confirmation came (or applying it failed), or, with Failed, one whose
// rollback failed too. It aborts the run: nothing after the firewall may
// rely on rules that are not there.
type RolledBackError struct {
	ID     string
	Reason string
	Failed bool
}

func (e *RolledBackError) Error() string {
	if e.Failed {
		return fmt.Sprintf("firewall change %s was not confirmed and rolling it back failed: %s", e.ID, e.Reason)
	}
	return fmt.Sprintf("firewall change %s was rolled back: %s", e.ID, e.Reason)
}
