package phase

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// ErrTLSNonCompliant means a host served the domain with a certificate or
// TLS setup that fails the check (untrusted, wrong name, expired or
// expiring, old TLS, not reachable on the port): a check failure (exit 1),
// retryable once the certificate is fixed.
var ErrTLSNonCompliant = errors.New("TLS check failed")

// TLS is the outside TLS check of the playbook's domain, after the port
// scan: it connects to each of the host's addresses with the domain as
// SNI and judges what it is served (orchestrator/tlscheck). Each address
// is recorded as tls.check.passed or tls.check.failed (data: the report,
// public certificate fields only), numbered after the host's last event.
// A failure is a finding: the host is non-compliant, later phases still
// run and earlier findings stay in the error.
type TLS struct {
	// Addrs returns the host's addresses to check. Nil disables the phase.
	Addrs func(host string) []netip.Addr
	// Port is the HTTPS port, tlscheck.DefaultPort if zero.
	Port uint16
	// Config is the check without Addr: Domain, Roots, MinValid, Timeout.
	Config tlscheck.Config
	// WarnDays, if positive, makes a certificate with fewer days left a
	// warning finding (tls.expiring) while it still passes: the sweep's
	// early notice before Config.MinValid fails it.
	WarnDays int
}

// Title implements Phase.
func (TLS) Title() string { return "tls" }

// Enabled implements Optional.
func (c TLS) Enabled(*Target) bool { return c.Addrs != nil }

// Run implements Phase.
func (c TLS) Run(ctx context.Context, t *Target) error {
	if c.Addrs == nil {
		return nil
	}
	addrs := c.Addrs(t.Name)
	if len(addrs) == 0 {
		return fmt.Errorf("TLS check of %s: no IP address to connect to (address is a name and no expectIPs)", t.Name)
	}
	for _, a := range addrs {
		rep, err := c.check(ctx, a)
		if err != nil {
			return fmt.Errorf("TLS check of %s: %w", t.Name, err)
		}
		// A redirect URL, a verify error: kept in the report as masked
		// as in the event.
		rep = masked(t.Rec, rep)
		t.Result.TLS = append(t.Result.TLS, rep)
		st := event.StatusOK
		if !rep.Passed {
			st = event.StatusFailed
		}
		if err := t.Rec.Emit(ctx, t, "tls", rep.EventType(), st, rep.Summary(), rep); err != nil {
			return err
		}
		if f, ok := c.finding(rep); ok {
			t.Result.add(f)
		}
	}
	return nil
}

// finding is what rep means for the host: a failed check is critical
// (tls.expired or tls.expiring when time is all that is wrong, else
// tls.invalid); a passing certificate with fewer than WarnDays left is a
// warning.
func (c TLS) finding(rep *tlscheck.Report) (Finding, bool) {
	cert := rep.Certificate
	if rep.Passed {
		if cert != nil && c.WarnDays > 0 && cert.DaysLeft < c.WarnDays {
			return newFinding("tls", CodeTLSExpiring, SeverityWarning, ErrTLSNonCompliant,
				"%s: certificate expires in %d days (%s)", rep.Addr, cert.DaysLeft, cert.NotAfter.Format(time.DateOnly)), true
		}
		return Finding{}, false
	}
	code := CodeTLSInvalid
	if cert != nil && onlyTimeFailed(rep) {
		code = CodeTLSExpiring
		if cert.DaysLeft < 0 {
			code = CodeTLSExpired
		}
	}
	return newFinding("tls", code, SeverityCritical, ErrTLSNonCompliant, "%s", rep.Summary()), true
}

// onlyTimeFailed reports whether every failing rule of rep is about time.
func onlyTimeFailed(rep *tlscheck.Report) bool {
	n := 0
	for _, f := range rep.Findings {
		if f.Severity != tlscheck.Fail {
			continue
		}
		if f.Check != "expiry" && f.Check != "validity" {
			return false
		}
		n++
	}
	return n > 0
}

// check runs one address, its scope guard allowing that address only.
func (c TLS) check(ctx context.Context, a netip.Addr) (*tlscheck.Report, error) {
	port := c.Port
	if port == 0 {
		port = tlscheck.DefaultPort
	}
	cfg := c.Config
	a = a.Unmap()
	cfg.Addr = netip.AddrPortFrom(a, port)
	cfg.Allow = []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}
	return tlscheck.Check(ctx, cfg)
}
