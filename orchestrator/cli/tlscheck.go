package cli

import (
	"encoding/json"
	"errors"
	"os"
	"os/signal"
	"syscall"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

func tlsCheckCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "tls-check",
		Usage:     "connect to DOMAIN's HTTPS endpoint with SNI and judge its certificate: chain, name, validity window, TLS version, staging CA",
		ArgsUsage: "DOMAIN",
		// Flags follow DOMAIN in the documented usage: parsed like dns-check.
		SkipFlagParsing: true,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "addr", Usage: "`IP:PORT` or [IPv6]:PORT to connect to (default: DOMAIN resolved, port 443)"},
			&ucli.StringFlag{Name: "ca-file", Usage: "PEM `FILE` of CA certificates to verify against instead of the system roots (staging CAs)"},
			&ucli.StringFlag{Name: "min-valid", Value: "14d", Usage: "least remaining validity that passes: days (14d) or a duration (36h)"},
			&ucli.BoolFlag{Name: "http-redirect", Usage: "also require http://DOMAIN/ on port 80 of the same address to redirect to https://DOMAIN/"},
			&ucli.DurationFlag{Name: "timeout", Value: tlscheck.DefaultTimeout, Usage: "for the connect and for the handshake each"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: "table or json"},
		},
		Action: interspersedAction(runTLSCheck),
	}
}

func runTLSCheck(c *ucli.Context) error {
	cfg, output, err := tlsCheckConfig(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := tlscheck.Check(ctx, cfg)
	if err != nil {
		return badInput(err)
	}
	code := ExitOK
	switch {
	case !r.Reachable:
		code = ExitUnreachable
	case !r.Passed:
		code = ExitFailed
	}
	switch {
	case output == "json":
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	case isQuiet(c):
		err = writeCheckSummary(c, code, r.Summary())
	default:
		err = r.WriteTable(c.App.Writer)
	}
	if err != nil {
		return err
	}
	if code != ExitOK {
		return &exitError{code: code, err: errors.New(r.Summary())}
	}
	return nil
}

// tlsCheckConfig reads the flags; every error names its flag (exit 2).
func tlsCheckConfig(c *ucli.Context) (tlscheck.Config, string, error) {
	var cfg tlscheck.Config
	output := c.String("output")
	if output != "table" && output != "json" {
		return cfg, "", badInputf("flag --output: %q is not table or json", output)
	}
	if c.NArg() != 1 {
		return cfg, "", badInputf("tls-check takes one DOMAIN argument, got %d", c.NArg())
	}
	cfg.Domain = c.Args().First()
	if err := tlscheck.ValidDomain(cfg.Domain); err != nil {
		return cfg, "", badInputf("DOMAIN: %v", err)
	}
	var err error
	if s := c.String("addr"); s != "" {
		if cfg.Addr, err = tlscheck.ParseAddr(s); err != nil {
			return cfg, "", badInputf("flag --addr: %v (names are not resolved: without --addr DOMAIN is)", err)
		}
	}
	if f := c.String("ca-file"); f != "" {
		if cfg.Roots, err = tlscheck.LoadRoots(f); err != nil {
			return cfg, "", badInputf("flag --ca-file: %v", err)
		}
		cfg.RootsName = "--ca-file " + f
	}
	if cfg.MinValid, err = tlscheck.ParseMinValid(c.String("min-valid")); err != nil {
		return cfg, "", badInputf("flag --min-valid: %v", err)
	}
	cfg.HTTPRedirect = c.Bool("http-redirect")
	if cfg.Timeout = c.Duration("timeout"); cfg.Timeout <= 0 {
		return cfg, "", badInputf("flag --timeout: must be positive")
	}
	return cfg, output, nil
}
