// Package event is the wire contract for what the agent reports: one JSON
// object per line (NDJSON) on the agent's stdout, the same shape that the
// orchestrator stores as flow_events, prints in reports and (later) streams
// over SSE and counts in metrics. One schema for every consumer.
package event

import (
	"encoding/json"
	"time"
)

// Protocol is the version of the plan/event protocol. The agent announces it
// in its first event (TypeHello); the orchestrator refuses a mismatch.
const Protocol = 1

// Status says how a step or the whole run went.
type Status string

// Statuses, in the order a step moves through them.
const (
	StatusStarted Status = "started"
	StatusOK      Status = "ok"
	StatusChanged Status = "changed"
	StatusSkipped Status = "skipped"
	StatusFailed  Status = "failed"
	StatusInfo    Status = "info"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusStarted, StatusOK, StatusChanged, StatusSkipped, StatusFailed, StatusInfo:
		return true
	}
	return false
}

// Event types the walking skeleton emits. Later steps add their own
// (dns.preflight.passed, firewall.rolled_back, ...); Type is an open set of
// dotted lower-case names, checked by ValidType.
const (
	TypeHello             = "agent.hello"
	TypeBootstrapStarted  = "bootstrap.started"
	TypeBootstrapFinished = "bootstrap.finished"
	TypeStepStarted       = "step.started"
	TypeStepFinished      = "step.finished"
	TypeFactsCollected    = "facts.collected"
	TypeMetricsCollected  = "metrics.collected"
	TypeAgentError        = "agent.error"
	TypeLockWaiting       = "lock.waiting"
	// The outside port scan of a host, recorded by the orchestrator (data:
	// the scan's Finding per address).
	TypePortsScanCompleted  = "ports.scan.completed"
	TypePortsUnexpectedOpen = "ports.unexpected_open"
	// An address of the host (from the agent's facts) the scan did not
	// probe, with the reason (data: the address, interface and reason).
	TypePortsScanSkipped = "ports.scan.skipped"
	// The host's listening sockets (data: []facts.Listener) and their join
	// with the outside scan (data: the per-port exposure).
	TypeListenersCollected = "listeners.collected"
	TypePortsExposure      = "ports.exposure"
	// The DNS preflight's verdict (data: the authoritative and host views).
	TypeDNSPassed  = "dns.preflight.passed"
	TypeDNSFailed  = "dns.preflight.failed"
	TypeDNSSkipped = "dns.preflight.skipped"
	// The outside TLS check of the domain's certificate (data: the
	// tlscheck Report; public certificate fields only).
	TypeTLSCheckPassed = "tls.check.passed"
	TypeTLSCheckFailed = "tls.check.failed"
	// The firewall step (data: firewall.Report). applied: the new rules are
	// in and the rollback watchdog waits for the orchestrator's confirm
	// (data has the change id and deadline); then exactly one of confirmed
	// or rolled_back. compliant: the owned rules match the profile and
	// nothing was touched; drift_detected: they do not (data has the diff).
	TypeFirewallCompliant  = "firewall.compliant"
	TypeFirewallDrift      = "firewall.drift_detected"
	TypeFirewallApplied    = "firewall.applied"
	TypeFirewallConfirmed  = "firewall.confirmed"
	TypeFirewallRolledBack = "firewall.rolled_back"
	TypeFirewallPersisted  = "firewall.persisted"
	// The ACME http-01 rehearsal. The agent's http01 step reports serving
	// (it holds port 80 and serves the challenge; data: plan.HTTP01Status)
	// or occupied (another process holds port 80; data names it), then
	// stopped; the orchestrator fetches the challenge from outside and
	// records the verdict as rehearsal.passed or rehearsal.failed (data:
	// per-address results and the reason).
	TypeHTTP01Serving  = "acme.http01.serving"
	TypeHTTP01Occupied = "acme.http01.occupied"
	TypeHTTP01Stopped  = "acme.http01.stopped"
	TypeHTTP01Passed   = "acme.http01.rehearsal.passed"
	TypeHTTP01Failed   = "acme.http01.rehearsal.failed"
	// The manifests step (data: the step's Report: every object with its
	// template source and what happened to it). compliant: every object
	// matches the server-side dry-run of its manifest, nothing applied;
	// drift_detected: some do not (data has the diffs; failed in check
	// mode); applied: the differing objects were applied; left_behind:
	// objects an earlier run applied that the playbook no longer has,
	// left in place; waiting: CRDs or the cert-manager webhook not ready
	// yet (info, repeated as the reason changes).
	TypeManifestsCompliant  = "manifests.compliant"
	TypeManifestsDrift      = "manifests.drift_detected"
	TypeManifestsApplied    = "manifests.applied"
	TypeManifestsLeftBehind = "manifests.left_behind"
	TypeManifestsWaiting    = "manifests.waiting"
	// Following the issuance: the ClusterIssuer's ACME account is
	// registered (issuer.ready), the Certificate is issued
	// (certificate.ready, data: notAfter, secret), or not within the wait
	// (failed, data: cert-manager's own reasons: Certificate, Order and
	// Challenge state and message). progress: a condition changed.
	TypeCertIssuerReady      = "cert.issuer.ready"
	TypeCertCertificateReady = "cert.certificate.ready"
	TypeCertFailed           = "cert.failed"
	TypeCertProgress         = "cert.progress"
	// A run the orchestrator lost (its process died: the run is
	// interrupted) is completed from the host's journal on the next
	// contact: journal.imported closes the host's events in that run
	// (data: JournalImported; By is the run that made the contact).
	TypeJournalImported = "journal.imported"
)

// JournalImported is the data of journal.imported.
type JournalImported struct {
	Run    string `json:"run"`             // the interrupted run
	After  int64  `json:"after"`           // the last seq the store had
	Events int    `json:"events"`          // events imported
	By     string `json:"by,omitempty"`    // the run that imported them
	Error  string `json:"error,omitempty"` // why the journal could not be read
}

// Event is one thing that happened on a host during a run.
type Event struct {
	Time    time.Time       `json:"ts"`
	RunID   string          `json:"runId"`
	Host    string          `json:"host"`
	Seq     int64           `json:"seq"`
	Type    string          `json:"type"`
	Step    string          `json:"step,omitempty"`
	Status  Status          `json:"status"`
	Message string          `json:"message,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Final reports whether e closes a run on its host: after it the agent
// writes nothing more for that run.
func (e Event) Final() bool { return e.Type == TypeBootstrapFinished }

// Hello is the data of the first event of every agent run.
type Hello struct {
	Protocol     int    `json:"protocol"`
	AgentVersion string `json:"agentVersion"`
	Arch         string `json:"arch"`
	PID          int    `json:"pid"`
}

// Finished is the data of TypeBootstrapFinished.
type Finished struct {
	Steps   int    `json:"steps"`
	Failed  int    `json:"failed"`
	Failure string `json:"failure,omitempty"`
}

// Started is the data of TypeBootstrapStarted.
type Started struct {
	Steps []string `json:"steps"`
	Check bool     `json:"check,omitempty"`
}

// StepFinished is the data of TypeStepFinished.
type StepFinished struct {
	DurationSeconds float64 `json:"durationSeconds"`
}
