package tlscheck

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// Observed is what a handshake showed: the negotiated version and cipher
// suite and the certificates the server sent, leaf first.
type Observed struct {
	Version uint16
	Cipher  uint16
	Certs   []*x509.Certificate
}

// stagingMarks are substrings of the issuer CN or O of the ACME staging
// CAs: Let's Encrypt staging ("(STAGING) Let's Encrypt", formerly "Fake LE
// Intermediate X1") and Pebble, the ACME test server.
var stagingMarks = []string{"(STAGING)", "Fake LE", "Pebble"}

// judge fills r from what was observed, adding a finding for every rule
// broken; now is the injected clock.
func judge(r *Report, cfg *Config, o Observed, now time.Time) {
	r.Version = tls.VersionName(o.Version)
	r.Cipher = tls.CipherSuiteName(o.Cipher)
	if o.Version < tls.VersionTLS12 {
		r.add("version", Fail, "negotiated %s: at least TLS 1.2 is required", r.Version)
	}
	if len(o.Certs) == 0 {
		r.add("handshake", Fail, "the server sent no certificate")
		return
	}
	leaf := o.Certs[0]
	r.Certificate = certInfo(leaf, now)
	r.ChainLength = len(o.Certs)
	judgeValidity(r, leaf, cfg.MinValid, now)
	if err := leaf.VerifyHostname(cfg.Domain); err != nil {
		r.add("name", Fail, "certificate is not valid for %s: it names %s", cfg.Domain, namesOrNone(r.Certificate.SANs))
	}
	judgeChain(r, cfg, o.Certs, now)
	if issuer, ok := stagingIssuer(o.Certs); ok {
		r.Staging = true
		if cfg.RejectStaging {
			r.add("staging", Fail, "issued by an ACME staging CA (%s): a production certificate is required", issuer)
		} else {
			r.add("staging", Warn, "issued by an ACME staging CA (%s): expected on staging, never trusted by browsers", issuer)
		}
	}
}

func judgeValidity(r *Report, leaf *x509.Certificate, minValid time.Duration, now time.Time) {
	left := leaf.NotAfter.Sub(now)
	switch {
	case now.Before(leaf.NotBefore):
		r.add("validity", Fail, "certificate is not valid yet: notBefore %s is %s from now",
			stamp(leaf.NotBefore), leaf.NotBefore.Sub(now).Round(time.Second))
	case left < 0:
		r.add("validity", Fail, "certificate expired at %s (%s ago)", stamp(leaf.NotAfter), days(-r.Certificate.DaysLeft-1))
	case left < minValid:
		r.add("expiry", Fail, "certificate expires at %s, in %s, within the minimum remaining validity of %s",
			stamp(leaf.NotAfter), days(r.Certificate.DaysLeft), FormatMinValid(minValid))
	}
}

// judgeChain verifies the chain at a moment the leaf is valid: its own
// validity is judged above, so an expired certificate from an untrusted CA
// yields both findings and an expired one from a trusted CA only "expired".
func judgeChain(r *Report, cfg *Config, certs []*x509.Certificate, now time.Time) {
	at := now
	if leaf := certs[0]; at.Before(leaf.NotBefore) {
		at = leaf.NotBefore
	} else if at.After(leaf.NotAfter) {
		at = leaf.NotAfter
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: cfg.Roots, Intermediates: inter, CurrentTime: at})
	if err != nil {
		r.VerifyError = err.Error()
		if issuer, ok := stagingIssuer(certs); ok && cfg.StagingUntrusted {
			r.add("chain", Warn, "chain not trusted by %s: issued by an ACME staging CA (%s), whose roots are not in any trust store; set checks.tls.caFile to them to verify the chain", cfg.RootsName, issuer)
			return
		}
		r.add("chain", Fail, "chain not trusted by %s: %v", cfg.RootsName, err)
		return
	}
	r.ChainVerified = true
}

// stagingIssuer returns the first issuer in the chain that is a known
// staging CA, as "CN, O".
func stagingIssuer(certs []*x509.Certificate) (string, bool) {
	for _, c := range certs {
		fields := append([]string{c.Issuer.CommonName}, c.Issuer.Organization...)
		for _, f := range fields {
			for _, m := range stagingMarks {
				if strings.Contains(f, m) {
					return strings.Join(nonEmpty(fields), ", "), true
				}
			}
		}
	}
	return "", false
}

// FormatMinValid prints a minimum validity the way it is given: whole
// days as "14d", anything else as a Go duration.
func FormatMinValid(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func namesOrNone(names []string) string {
	if len(names) == 0 {
		return "no DNS names (a Subject CN alone is not accepted)"
	}
	return strings.Join(names, ", ")
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
