package report

import (
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// APIVersion names this schema. A field is only ever added within a
// version; renaming or removing one, or changing its meaning, is a new
// version. docs/report.md documents every field.
const APIVersion = "ck8sctl/v1"

// Kind is the kind of document Run is.
const Kind = "RunReport"

// Run is a finished run as reported (-o json, the serve API).
type Run struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	ID         string        `json:"runId"`
	Action     string        `json:"action"` // bootstrap, harden or sweep
	Playbook   string        `json:"playbook"`
	Started    time.Time     `json:"started"`
	Duration   time.Duration `json:"durationNs"`
	Status     RunStatus     `json:"status"`
	ExitCode   int           `json:"exitCode"`
	Check      bool          `json:"check"` // read-only: nothing was changed
	Summary    Summary       `json:"summary"`
	Hosts      []Host        `json:"hosts"`
}

// RunStatus is how a run ended, named after its exit code.
type RunStatus string

// Run statuses; the worst host decides (see ExitCode).
const (
	RunOK          RunStatus = "ok"          // exit 0
	RunFailed      RunStatus = "failed"      // exit 1: a check or step failed
	RunUnreachable RunStatus = "unreachable" // exit 3
	RunRolledBack  RunStatus = "rolled-back" // exit 4
)

// Verdict is a host's compliance: what a sweep is for, and reported by
// every run. A host that could not be checked is unreachable, never
// non-compliant: "we could not look" and "we looked and it is wrong" call
// for different people.
type Verdict string

// Verdicts.
const (
	Compliant    Verdict = "compliant"
	NonCompliant Verdict = "non-compliant"
	Unreachable  Verdict = "unreachable"
)

// Summary counts hosts by verdict and findings by severity.
type Summary struct {
	Hosts        int `json:"hosts"`
	Compliant    int `json:"compliant"`
	NonCompliant int `json:"nonCompliant"`
	Unreachable  int `json:"unreachable"`
	RolledBack   int `json:"rolledBack"`
	Critical     int `json:"critical"`
	Warnings     int `json:"warnings"`
}

// Host is what happened on one host.
type Host struct {
	Host    string       `json:"host"`
	Address string       `json:"address"`
	Status  phase.Status `json:"status"` // ok, failed, rolled-back, unreachable
	Verdict Verdict      `json:"verdict"`
	Phase   string       `json:"phase"` // the phase it ended in
	Error   string       `json:"error,omitempty"`
	// Findings are every difference found, critical and warnings.
	Findings     []phase.Finding `json:"findings"`
	AgentVersion string          `json:"agentVersion,omitempty"`
	Uploaded     bool            `json:"agentUploaded"`
	Events       int             `json:"events"`
	Reconnects   int             `json:"reconnects,omitempty"`
	Duration     time.Duration   `json:"durationNs"`
	Steps        []Step          `json:"steps"`
	// Invalid are agent output lines that were not events, reported and
	// never stored.
	Invalid []string `json:"invalidOutput,omitempty"`

	Facts     *facts.Facts   `json:"facts,omitempty"`
	Metrics   *facts.Metrics `json:"metrics,omitempty"`
	Firewall  *Firewall      `json:"firewall,omitempty"`
	Manifests *Manifests     `json:"manifests,omitempty"`
	// Scan is the outside port scan of each of the host's addresses, in
	// the shape of `ck8sctl scan -o json`.
	Scan        []scan.Finding      `json:"portScan,omitempty"`
	ScanSkipped []phase.SkippedAddr `json:"portScanSkipped,omitempty"`
	Listeners   []facts.Listener    `json:"listeners,omitempty"`
	Exposure    []phase.Exposure    `json:"exposure,omitempty"`
	// TLS is the outside TLS check of each address (public fields only).
	TLS    []*tlscheck.Report   `json:"tls,omitempty"`
	HTTP01 *phase.HTTP01Outcome `json:"http01,omitempty"`
}

// Step is one agent step's outcome.
type Step struct {
	Name     string        `json:"name"`
	Status   event.Status  `json:"status"`
	Duration time.Duration `json:"durationNs"`
	Message  string        `json:"message,omitempty"`
}

// Firewall is where the firewall step left the host.
type Firewall struct {
	State   phase.FirewallState `json:"state"`
	Message string              `json:"message,omitempty"`
	Diff    string              `json:"diff,omitempty"` // live rules → the profile's
	Confirm string              `json:"confirmError,omitempty"`
}

// Manifests is where the manifests step left the host.
type Manifests struct {
	State              phase.ManifestsState `json:"state"`
	Message            string               `json:"message,omitempty"`
	Certificate        string               `json:"certificate,omitempty"` // ready or failed
	CertificateMessage string               `json:"certificateMessage,omitempty"`
	Diff               string               `json:"diff,omitempty"`
}
