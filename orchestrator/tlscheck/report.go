package tlscheck

import (
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// Severity of a finding: only failures fail the check.
type Severity string

// Severities.
const (
	Fail Severity = "fail"
	Warn Severity = "warn"
)

// Finding is one thing wrong with what the address serves. Check names the
// rule ("connect", "handshake", "version", "validity", "expiry", "name",
// "chain", "staging") so callers can branch without parsing messages.
type Finding struct {
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

func (f Finding) Error() string { return f.Message }

// CertInfo is the public part of a certificate: what the report shows.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SANs      []string  `json:"sans"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	// DaysLeft is whole days until NotAfter, negative once expired.
	DaysLeft int `json:"daysLeft"`
}

// Report is the outcome of one check; it is the data of the tls.check.*
// events, so it holds nothing private.
type Report struct {
	Domain string `json:"domain"`
	Addr   string `json:"addr"`
	// Reachable is false when no TCP connection could be made (refused,
	// timeout, no route): nothing about the certificate is known then.
	Reachable     bool      `json:"reachable"`
	Version       string    `json:"version,omitempty"`
	Cipher        string    `json:"cipherSuite,omitempty"`
	Certificate   *CertInfo `json:"certificate,omitempty"`
	ChainLength   int       `json:"chainLength,omitempty"`
	Roots         string    `json:"roots"`
	ChainVerified bool      `json:"chainVerified"`
	VerifyError   string    `json:"verifyError,omitempty"`
	Staging       bool      `json:"staging"`
	// HTTPRedirect is where plain HTTP on the domain redirects to, when
	// that was checked and passed.
	HTTPRedirect string    `json:"httpRedirect,omitempty"`
	MinValidDays float64   `json:"minValidDays"`
	Findings     []Finding `json:"findings,omitempty"`
	Passed       bool      `json:"passed"`
	CheckedAt    time.Time `json:"checkedAt"`
	Seconds      float64   `json:"durationSeconds"`
}

func (r *Report) add(check string, sev Severity, format string, a ...any) {
	r.Findings = append(r.Findings, Finding{Check: check, Severity: sev, Message: fmt.Sprintf(format, a...)})
}

// finish sets Passed: no failure among the findings.
func (r *Report) finish() {
	r.Passed = true
	for _, f := range r.Findings {
		if f.Severity == Fail {
			r.Passed = false
		}
	}
}

// Err is every failure joined, or nil when the check passed.
func (r *Report) Err() error {
	var errs []error
	for _, f := range r.Findings {
		if f.Severity == Fail {
			errs = append(errs, f)
		}
	}
	return errors.Join(errs...)
}

// EventType is the event that records this report.
func (r *Report) EventType() string {
	if r.Passed {
		return event.TypeTLSCheckPassed
	}
	return event.TypeTLSCheckFailed
}

// Summary is one line for logs, errors and the event message.
func (r *Report) Summary() string {
	if !r.Passed {
		var msgs []string
		for _, f := range r.Findings {
			if f.Severity == Fail {
				msgs = append(msgs, f.Message)
			}
		}
		return fmt.Sprintf("TLS check of %s at %s failed: %s", r.Domain, r.Addr, strings.Join(msgs, "; "))
	}
	s := fmt.Sprintf("TLS check of %s at %s passed: %s, chain verified against %s", r.Domain, r.Addr, r.Version, r.Roots)
	if c := r.Certificate; c != nil {
		s += fmt.Sprintf(", %d days left", c.DaysLeft)
	}
	if r.Staging {
		s += ", issued by an ACME staging CA"
	}
	return s
}

func certInfo(c *x509.Certificate, now time.Time) *CertInfo {
	info := &CertInfo{
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		SANs:      sans(c),
		Serial:    serialHex(c),
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
	}
	info.DaysLeft = int(math.Floor(c.NotAfter.Sub(now).Hours() / 24))
	return info
}

func sans(c *x509.Certificate) []string {
	out := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		out = append(out, net.IP(ip).String())
	}
	return out
}

// serialHex is the serial as browsers show it: colon-separated hex bytes.
func serialHex(c *x509.Certificate) string {
	b := c.SerialNumber.Bytes()
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02X", x)
	}
	return strings.Join(parts, ":")
}
