package phase

import (
	"errors"
	"fmt"
)

// Severity says whether a finding makes a host non-compliant.
type Severity string

// Severities. A warning is reported (sweep tables, JUnit, metrics) but
// leaves the host compliant: a certificate 20 days from expiry is news,
// not a failure.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
)

// Finding codes: stable names that reports, alert rules and history
// queries match on (docs/sweep.md lists them). Never rename one.
const (
	CodePortUnexpectedOpen    = "port.unexpected_open"
	CodePortExpectedClosed    = "port.expected_closed"
	CodePortNoAnswer          = "port.no_answer"
	CodePortUDPUnexpectedOpen = "port.udp_unexpected_open"
	CodePortUDPExpectedClosed = "port.udp_expected_closed"
	CodeFirewallDrift         = "firewall.drift"
	CodeManifestsDrift        = "manifests.drift"
	CodeTLSInvalid            = "tls.invalid"
	CodeTLSExpiring           = "tls.expiring"
	CodeTLSExpired            = "tls.expired"
	CodeDNSMismatch           = "dns.mismatch"
	CodeHTTP01Failed          = "http01.failed"
)

// Finding is one way a host differs from its playbook. Phases collect
// findings instead of stopping at the first: a sweep reports everything
// wrong with a host in one pass.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Check names the check that found it (ports, firewall, manifests,
	// tls, dns, http01): one JUnit test case per check.
	Check string `json:"check"`

	err error // the sentinel it means, for exit codes and errors.Is
}

func (f Finding) Error() string { return f.Message }

// Unwrap lets errors.Is see the finding's sentinel (ErrNonCompliant...).
func (f Finding) Unwrap() error { return f.err }

// newFinding builds a finding whose error wraps sentinel.
func newFinding(check, code string, sev Severity, sentinel error, format string, a ...any) Finding {
	msg := fmt.Sprintf(format, a...)
	return Finding{Code: code, Severity: sev, Message: msg, Check: check, err: fmt.Errorf("%w: %s", sentinel, msg)}
}

// add records f on the result.
func (r *Result) add(f Finding) { r.Findings = append(r.Findings, f) }

// critical joins the errors of the findings that make the host
// non-compliant; nil when there are none.
func (r *Result) critical() error {
	var errs []error
	for _, f := range r.Findings {
		if f.Severity == SeverityCritical {
			errs = append(errs, f.err)
		}
	}
	return errors.Join(errs...)
}
