package phase

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// Status is a host's outcome in a run.
type Status string

// Host outcomes, from best to worst as the exit code ranks them.
const (
	StatusOK          Status = "ok"
	StatusFailed      Status = "failed"      // a step or check failed: non-compliant
	StatusRolledBack  Status = "rolled-back" // a change was undone
	StatusUnreachable Status = "unreachable" // SSH, host key, auth, sudo, busy lock
)

// Step is one agent step's outcome as its events told it.
type Step struct {
	Name     string        `json:"name"`
	Status   event.Status  `json:"status"`
	Duration time.Duration `json:"durationNs"`
	Message  string        `json:"message,omitempty"`
}

// Result is what happened on one host.
type Result struct {
	Host     string        `json:"host"`
	Address  string        `json:"address"`
	Status   Status        `json:"status"`
	Phase    string        `json:"phase"` // the phase it ended in
	Error    string        `json:"error,omitempty"`
	Uploaded bool          `json:"agentUploaded"`
	Events   int           `json:"events"`
	Steps    []Step        `json:"steps"`
	Facts    *facts.Facts  `json:"facts,omitempty"`
	Invalid  []string      `json:"invalidOutput,omitempty"`
	Resumed  int           `json:"reconnects,omitempty"`
	Duration time.Duration `json:"durationNs"`
	// Scan is the outside port scan of each of the host's addresses.
	Scan []scan.Finding `json:"portScan,omitempty"`
	// ScanSkipped are addresses of the host the scan left alone (outside
	// the network fence, private), each with the reason.
	ScanSkipped []SkippedAddr `json:"portScanSkipped,omitempty"`
	// TLS is the outside TLS check of the domain on each of the host's
	// addresses (public certificate fields only).
	TLS []*tlscheck.Report `json:"tls,omitempty"`
	// Listeners are the host's listening sockets as the agent listed them;
	// Exposure joins them with Scan (see ExposureOf).
	Listeners []facts.Listener `json:"listeners,omitempty"`
	Exposure  []Exposure       `json:"exposure,omitempty"`
	// LastSeq is the highest event seq seen for the host, so phases after
	// the agent number their own events after the agent's.
	LastSeq int64 `json:"-"`
	// Firewall is how the firewall step ended, nil when it did not run.
	Firewall *FirewallOutcome `json:"firewall,omitempty"`
	// HTTP01 is the ACME http-01 rehearsal's verdict, nil when it did not
	// run. Nothing that needs http-01 (a ClusterIssuer) may be created
	// unless HTTP01Passed.
	HTTP01 *HTTP01Outcome `json:"http01,omitempty"`
	// Manifests is how the manifests step ended, nil when it did not run.
	Manifests *ManifestsOutcome `json:"manifests,omitempty"`

	// Findings are what the checks found, critical ones making the host
	// non-compliant without stopping its later phases: a sweep collects
	// every finding (DNS, drift, the scan's, TLS) in one pass.
	Findings []Finding `json:"findings,omitempty"`
	// AgentVersion is what the agent said in agent.hello.
	AgentVersion string `json:"agentVersion,omitempty"`
	// Metrics is the host's load as the metrics step reported it.
	Metrics *facts.Metrics `json:"metrics,omitempty"`

	err         error
	agentErrors []string // messages of agent.error events
	listed      bool     // a listeners.collected event was seen
	dnsFailed   string   // the message of a dns.preflight.failed event
}

// FirewallState is where the firewall step left a host.
type FirewallState string

// Firewall states, one per final firewall event.
const (
	FirewallCompliant  FirewallState = "compliant"   // nothing to change
	FirewallDrift      FirewallState = "drift"       // differs; check mode left it
	FirewallApplied    FirewallState = "applied"     // changed, confirmation pending
	FirewallConfirmed  FirewallState = "confirmed"   // changed and kept
	FirewallRolledBack FirewallState = "rolled-back" // changed and undone
)

var firewallStates = map[string]FirewallState{
	event.TypeFirewallCompliant:  FirewallCompliant,
	event.TypeFirewallDrift:      FirewallDrift,
	event.TypeFirewallApplied:    FirewallApplied,
	event.TypeFirewallConfirmed:  FirewallConfirmed,
	event.TypeFirewallRolledBack: FirewallRolledBack,
}

// ManifestsState is where the manifests step left a host.
type ManifestsState string

// Manifests states, one per final manifests event.
const (
	ManifestsCompliant ManifestsState = "compliant"
	ManifestsDrift     ManifestsState = "drift"
	ManifestsApplied   ManifestsState = "applied"
)

var manifestsStates = map[string]ManifestsState{
	event.TypeManifestsCompliant: ManifestsCompliant,
	event.TypeManifestsDrift:     ManifestsDrift,
	event.TypeManifestsApplied:   ManifestsApplied,
}

// FirewallOutcome is the firewall step's last word on a host.
type FirewallOutcome struct {
	State   FirewallState `json:"state"`
	Message string        `json:"message,omitempty"`
	// Diff is the drift the step found: live rules → the profile's.
	Diff string `json:"diff,omitempty"`
	// Confirm is why the orchestrator could not confirm the change.
	Confirm string `json:"confirmError,omitempty"`
}

// rolledBack is the error of a firewall change the host's watchdog
// undid, nil otherwise.
func (r *Result) rolledBack() error {
	f := r.Firewall
	if f == nil || f.State != FirewallRolledBack {
		return nil
	}
	msg := f.Message
	if f.Confirm != "" {
		msg += "; " + f.Confirm
	}
	return fmt.Errorf("%w: firewall: %s", ErrRolledBack, msg)
}

// firewallFinding is the finding a firewall outcome means in a read-only
// run: drift (a real run repairs it).
func (r *Result) firewallFinding(check bool) {
	if f := r.Firewall; f != nil && check && f.State == FirewallDrift {
		r.add(newFinding("firewall", CodeFirewallDrift, SeverityCritical, ErrNonCompliant, "firewall drift: %s", f.Message))
	}
}

// ManifestsOutcome is the manifests step's last word on a host.
type ManifestsOutcome struct {
	State   ManifestsState `json:"state"`
	Message string         `json:"message,omitempty"`
	// Certificate is the issuance's end: ready or failed, with why.
	Certificate        string `json:"certificate,omitempty"`
	CertificateMessage string `json:"certificateMessage,omitempty"`
	// Diff is the drift found: per object that differed, its source and
	// the diff from the live object to the server-side dry run.
	Diff string `json:"diff,omitempty"`
}

// manifestsDiff renders the objects of a manifests.drift_detected event.
func manifestsDiff(data json.RawMessage) string {
	var d struct {
		Objects []struct {
			Kind, Namespace, Name, Source, Action, Diff string
		} `json:"objects"`
	}
	if json.Unmarshal(data, &d) != nil {
		return ""
	}
	var b strings.Builder
	for _, o := range d.Objects {
		name := o.Name
		if o.Namespace != "" {
			name = o.Namespace + "/" + name
		}
		fmt.Fprintf(&b, "# %s: %s %s (%s)\n%s", o.Source, o.Kind, name, o.Action, o.Diff)
	}
	return b.String()
}

// manifestsFinding is the finding a manifests outcome means: drift in a
// read-only run (a real run corrects it; a failed issuance fails the step).
func (r *Result) manifestsFinding(check bool) {
	if m := r.Manifests; m != nil && check && m.State == ManifestsDrift {
		r.add(newFinding("manifests", CodeManifestsDrift, SeverityCritical, ErrNonCompliant, "manifests drift: %s", m.Message))
	}
}

// agentError is the first error the agent reported, or fallback.
func (r *Result) agentError(fallback string) string {
	if len(r.agentErrors) > 0 {
		return r.agentErrors[0]
	}
	return fallback
}

// HTTP01Passed reports whether the http-01 rehearsal ran and passed.
func (r *Result) HTTP01Passed() bool { return r.HTTP01 != nil && r.HTTP01.Passed }

// Err is the error the host ended with, for exit-code mapping.
func (r *Result) Err() error { return r.err }

// observe folds one event into the result: step outcomes and facts.
func (r *Result) observe(e event.Event) {
	r.LastSeq = max(r.LastSeq, e.Seq)
	switch e.Type {
	case event.TypeStepFinished:
		var d event.StepFinished
		_ = json.Unmarshal(e.Data, &d)
		r.Steps = append(r.Steps, Step{Name: e.Step, Status: e.Status, Duration: time.Duration(d.DurationSeconds * float64(time.Second)), Message: e.Message})
	case event.TypeAgentError:
		r.agentErrors = append(r.agentErrors, e.Message)
	case event.TypeFactsCollected:
		var f facts.Facts
		if json.Unmarshal(e.Data, &f) == nil {
			r.Facts = &f
		}
	case event.TypeFirewallCompliant, event.TypeFirewallDrift, event.TypeFirewallApplied,
		event.TypeFirewallConfirmed, event.TypeFirewallRolledBack:
		r.observeFirewall(e)
	case event.TypeManifestsCompliant, event.TypeManifestsDrift, event.TypeManifestsApplied:
		if r.Manifests == nil {
			r.Manifests = &ManifestsOutcome{}
		}
		r.Manifests.State, r.Manifests.Message = manifestsStates[e.Type], e.Message
		if e.Type == event.TypeManifestsDrift {
			r.Manifests.Diff = manifestsDiff(e.Data)
		}
	case event.TypeCertCertificateReady, event.TypeCertFailed:
		if r.Manifests == nil {
			r.Manifests = &ManifestsOutcome{}
		}
		r.Manifests.Certificate, r.Manifests.CertificateMessage = strings.TrimPrefix(strings.TrimPrefix(e.Type, "cert."), "certificate."), e.Message
	case event.TypeDNSFailed:
		r.dnsFailed = e.Message
	case event.TypeHello:
		var h event.Hello
		if json.Unmarshal(e.Data, &h) == nil {
			r.AgentVersion = h.AgentVersion
		}
	case event.TypeMetricsCollected:
		var m facts.Metrics
		if json.Unmarshal(e.Data, &m) == nil {
			r.Metrics = &m
		}
	case event.TypeListenersCollected:
		var ls []facts.Listener
		if json.Unmarshal(e.Data, &ls) == nil {
			r.Listeners, r.listed = ls, true
		}
	}
}

// FailedSteps counts steps that ended failed.
func (r *Result) FailedSteps() int {
	n := 0
	for _, s := range r.Steps {
		if s.Status == event.StatusFailed {
			n++
		}
	}
	return n
}

func (r *Result) observeFirewall(e event.Event) {
	if r.Firewall == nil {
		r.Firewall = &FirewallOutcome{}
	}
	f := r.Firewall
	f.State, f.Message = firewallStates[e.Type], e.Message
	var d struct {
		Diff string `json:"diff"`
	}
	if json.Unmarshal(e.Data, &d) == nil && d.Diff != "" {
		f.Diff = d.Diff
	}
}

// dnsFinding is the finding a failed DNS preflight means in a read-only
// run, where the agent's dns step reports it and goes on: a sweep checks
// everything else too.
func (r *Result) dnsFinding(check bool) {
	if check && r.dnsFailed != "" {
		r.add(newFinding("dns", CodeDNSMismatch, SeverityCritical, ErrDNSPreflight, "%s", r.dnsFailed))
	}
}

// onlyChecksFailed reports whether, in a read-only run, every failed step
// is a check whose failure is already a finding (the dns step), so the
// agent's "step failed" is no error of its own.
func (r *Result) onlyChecksFailed(check bool) bool {
	if !check || r.FailedSteps() == 0 {
		return false
	}
	for _, s := range r.Steps {
		if s.Status == event.StatusFailed && (s.Name != "dns" || r.dnsFailed == "") {
			return false
		}
	}
	return true
}
