package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/internal/dnsquery"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/dnscheck"
)

func dnsCheckCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "dns-check",
		Usage:     "DNS preflight alone: every authoritative server must answer exactly the expected addresses, and CAA must allow the issuer",
		ArgsUsage: "DOMAIN",
		// The documented usage puts flags after DOMAIN, which urfave/cli
		// v2 does not parse: the command parses its own arguments.
		SkipFlagParsing: true,
		Flags: []ucli.Flag{
			&ucli.StringSliceFlag{Name: "expect", Usage: "`IP`[,IP] the domain must resolve to (A and AAAA together)"},
			&ucli.StringSliceFlag{Name: "nameserver", Usage: "`ADDR` (ip or ip:port) to ask: an authoritative server, or a resolver to find the zone's NS through; repeatable"},
			&ucli.DurationFlag{Name: "wait", Usage: "keep retrying with backoff this long while servers disagree (0: check once)"},
			&ucli.StringFlag{Name: "caa-issuer", Value: dnscheck.DefaultCAAIssuer, Usage: "the CA that CAA records must allow"},
			&ucli.DurationFlag{Name: "timeout", Value: 2 * time.Second, Usage: "per query and server"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: "table or json"},
		},
		Action: interspersedAction(runDNSCheck),
	}
}

func runDNSCheck(c *ucli.Context) error {
	cfg, output, err := dnsCheckConfig(c)
	if err != nil {
		return err
	}
	log, err := logger(c, redact.Default())
	if err != nil {
		return err
	}
	cfg.OnRetry = func(r *dnscheck.Report, d time.Duration) {
		log.Info("DNS not converged yet, waiting", "domain", cfg.Domain, "stale", r.Stale(), "retryIn", d)
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := dnscheck.Check(ctx, cfg)
	if err != nil {
		return badInput(err)
	}
	code := ExitOK
	if !rep.Passed {
		code = ExitFailed
	}
	switch {
	case output == "json":
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case isQuiet(c):
		err = writeCheckSummary(c, code, rep.Summary())
	default:
		err = writeDNSTable(c.App.Writer, rep)
	}
	if err != nil {
		return err
	}
	if !rep.Passed {
		return &exitError{code: code, err: rep.Err()}
	}
	return nil
}

// dnsCheckConfig reads the flags; every error names its flag (exit 2).
func dnsCheckConfig(c *ucli.Context) (dnscheck.Config, string, error) {
	output := c.String("output")
	if output != "table" && output != "json" {
		return dnscheck.Config{}, "", badInputf("flag --output: %q is not table or json", output)
	}
	if c.NArg() != 1 {
		return dnscheck.Config{}, "", badInputf("dns-check takes one DOMAIN argument, got %d", c.NArg())
	}
	for _, f := range []string{"expect", "nameserver"} {
		if len(c.StringSlice(f)) == 0 {
			return dnscheck.Config{}, "", badInputf("flag --%s: required", f)
		}
	}
	if err := dnscheck.CheckName(c.Args().First()); err != nil {
		return dnscheck.Config{}, "", badInputf("DOMAIN: %v", err)
	}
	if err := dnscheck.CheckName(c.String("caa-issuer")); err != nil {
		return dnscheck.Config{}, "", badInputf("flag --caa-issuer: %v", err)
	}
	cfg := dnscheck.Config{Domain: c.Args().First(), Wait: c.Duration("wait"), CAAIssuer: c.String("caa-issuer"), Timeout: c.Duration("timeout"), Attempts: 2}
	for _, s := range c.StringSlice("expect") {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return cfg, "", badInputf("flag --expect: %q is not an IP address", s)
		}
		cfg.Expect = append(cfg.Expect, a.Unmap())
	}
	for _, s := range c.StringSlice("nameserver") {
		ns, err := dnscheck.ParseNameserver(strings.TrimSpace(s))
		if err != nil {
			return cfg, "", badInputf("flag --nameserver: %v", err)
		}
		cfg.Nameservers = append(cfg.Nameservers, ns)
	}
	if cfg.Timeout <= 0 {
		return cfg, "", badInputf("flag --timeout: must be positive")
	}
	if cfg.Wait < 0 {
		return cfg, "", badInputf("flag --wait: must not be negative")
	}
	if err := cfg.Validate(); err != nil {
		return cfg, "", badInputf("dns-check: %v", err)
	}
	return cfg, output, nil
}

func writeDNSTable(w io.Writer, r *dnscheck.Report) error {
	fmt.Fprintf(w, "domain %s (zone %s), expect %s\n\n", strings.TrimSuffix(r.Domain, "."), orDash(r.Zone), dnsquery.Join(r.Expect))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tNS\tANSWER\tRESULT")
	for _, s := range r.Servers {
		res := "ok"
		if !s.OK {
			res = s.Error
		}
		ans := dnsquery.Join(s.Addrs)
		if len(s.Chain) > 0 {
			ans += " (CNAME " + strings.Join(s.Chain, " → ") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Server, orDash(s.NS), ans, res)
	}
	tw.Flush()
	caa := "CAA: " + r.CAA.Reason
	if r.CAA.At != "" {
		caa += fmt.Sprintf(" (records at %s: %s)", r.CAA.At, strings.Join(r.CAA.Records, "; "))
	}
	fmt.Fprintf(w, "\n%s\n", caa)
	verdict := "PASSED"
	if !r.Passed {
		verdict = "FAILED"
	}
	_, err := fmt.Fprintf(w, "%s after %d attempt(s) in %s\n", verdict, r.Attempts, time.Duration(r.Seconds*float64(time.Second)).Round(time.Millisecond))
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  - %s\n", f.Message)
	}
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
