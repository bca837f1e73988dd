package tlscheck

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ck8s/ck8sctl/internal/termtext"
)

// WriteTable renders the report for a terminal: the certificate's public
// fields, then the verdict and every finding.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// Certificate fields are the server's words: escaped for the terminal.
	row := func(k, format string, a ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", k, termtext.Escape(fmt.Sprintf(format, a...)))
	}
	row("domain", "%s", r.Domain)
	row("address", "%s", dash(r.Addr))
	if r.Version != "" {
		row("version", "%s (%s)", r.Version, r.Cipher)
	}
	if c := r.Certificate; c != nil {
		row("subject", "%s", dash(c.Subject))
		row("issuer", "%s", dash(c.Issuer))
		row("SANs", "%s", dash(strings.Join(c.SANs, ", ")))
		row("serial", "%s", c.Serial)
		row("notBefore", "%s", stamp(c.NotBefore))
		row("notAfter", "%s (%s left; minimum %s)", stamp(c.NotAfter), days(c.DaysLeft), FormatMinValid(time.Duration(r.MinValidDays*float64(24*time.Hour))))
		if r.ChainVerified {
			row("chain", "verified against %s (%d certificate(s) sent)", r.Roots, r.ChainLength)
		} else {
			row("chain", "NOT verified against %s: %s", r.Roots, r.VerifyError)
		}
		row("staging CA", "%s", map[bool]string{false: "no", true: "yes"}[r.Staging])
		if r.HTTPRedirect != "" {
			row("http", "redirects to %s", r.HTTPRedirect)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verdict := "PASSED"
	if !r.Passed {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "\n%s in %s\n", verdict, time.Duration(r.Seconds*float64(time.Second)).Round(time.Millisecond))
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  - %s %s: %s\n", f.Severity, f.Check, termtext.Escape(f.Message))
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
