package report

import (
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// Exit codes, the same for every command (docs: exit codes). The CLI maps
// its own errors with these too.
const (
	ExitOK          = 0 // success, compliant
	ExitFailed      = 1 // a check or step failed: non-compliant
	ExitBadInput    = 2 // flags or playbook invalid; nothing ran
	ExitUnreachable = 3 // a host could not be reached or trusted
	ExitRolledBack  = 4 // a change was rolled back
	ExitInternal    = 5 // ck8sctl itself failed (a panic: a bug); the run, if any, is recorded failed
)

// rank orders host outcomes for the run's exit code: 3 beats 4 beats 1
// beats 0, so the most actionable problem decides a multi-host run.
var rank = map[phase.Status]int{phase.StatusOK: 0, phase.StatusFailed: 1, phase.StatusRolledBack: 2, phase.StatusUnreachable: 3}

var exits = map[phase.Status]struct {
	code   int
	status RunStatus
}{
	phase.StatusOK:          {ExitOK, RunOK},
	phase.StatusFailed:      {ExitFailed, RunFailed},
	phase.StatusRolledBack:  {ExitRolledBack, RunRolledBack},
	phase.StatusUnreachable: {ExitUnreachable, RunUnreachable},
}

// Meta is what a run is, apart from its hosts.
type Meta struct {
	ID       string
	Action   string
	Playbook string
	Started  time.Time
	Check    bool
}

// New builds the report of a finished run from its hosts' results.
func New(m Meta, results []*phase.Result, took time.Duration) Run {
	r := Run{APIVersion: APIVersion, Kind: Kind, ID: m.ID, Action: m.Action, Playbook: m.Playbook,
		Started: m.Started, Duration: took, Check: m.Check, Hosts: make([]Host, 0, len(results))}
	worst := phase.StatusOK
	for _, res := range results {
		h := host(res)
		r.Hosts = append(r.Hosts, h)
		r.Summary.add(h)
		if rank[res.Status] > rank[worst] {
			worst = res.Status
		}
	}
	r.ExitCode, r.Status = exits[worst].code, exits[worst].status
	return r
}

// VerdictOf is a host's compliance from its outcome: reached and without a
// critical finding is compliant; a host whose checks could not finish (not
// reached, not trusted, busy, or its agent failing) is unreachable.
func VerdictOf(r *phase.Result) Verdict {
	switch r.Status {
	case phase.StatusOK:
		return Compliant
	case phase.StatusUnreachable:
		return Unreachable
	case phase.StatusRolledBack:
		return NonCompliant // the profile could not be kept
	}
	for _, f := range r.Findings {
		if f.Severity == phase.SeverityCritical {
			return NonCompliant
		}
	}
	// Failed without a finding: a step or the agent broke, so the checks
	// did not get to look. Not a compliance verdict either way.
	return Unreachable
}

func (s *Summary) add(h Host) {
	s.Hosts++
	switch h.Verdict {
	case Compliant:
		s.Compliant++
	case NonCompliant:
		s.NonCompliant++
	case Unreachable:
		s.Unreachable++
	}
	if h.Status == phase.StatusRolledBack {
		s.RolledBack++
	}
	for _, f := range h.Findings {
		if f.Severity == phase.SeverityCritical {
			s.Critical++
		} else {
			s.Warnings++
		}
	}
}

func host(r *phase.Result) Host {
	h := Host{
		Host: r.Host, Address: r.Address, Status: r.Status, Verdict: VerdictOf(r), Phase: r.Phase, Error: r.Error,
		Findings: r.Findings, AgentVersion: r.AgentVersion, Uploaded: r.Uploaded, Events: r.Events,
		Reconnects: r.Resumed, Duration: r.Duration, Invalid: r.Invalid, Facts: r.Facts, Metrics: r.Metrics,
		Scan: r.Scan, ScanSkipped: r.ScanSkipped, Listeners: r.Listeners, Exposure: r.Exposure, TLS: r.TLS, HTTP01: r.HTTP01,
		Steps: make([]Step, 0, len(r.Steps)),
	}
	if h.Findings == nil {
		h.Findings = []phase.Finding{}
	}
	for _, s := range r.Steps {
		h.Steps = append(h.Steps, Step{Name: s.Name, Status: s.Status, Duration: s.Duration, Message: s.Message})
	}
	if f := r.Firewall; f != nil {
		h.Firewall = &Firewall{State: f.State, Message: f.Message, Diff: f.Diff, Confirm: f.Confirm}
	}
	if m := r.Manifests; m != nil {
		h.Manifests = &Manifests{State: m.State, Message: m.Message, Certificate: m.Certificate, CertificateMessage: m.CertificateMessage, Diff: m.Diff}
	}
	return h
}
