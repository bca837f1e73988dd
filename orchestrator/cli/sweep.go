package cli

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

func sweepCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "sweep",
		Usage: "read-only compliance of every host: DNS, firewall and manifests drift, open ports, TLS expiry, host metrics",
		Description: "Checks every host of the playbook (or of an Ansible --inventory) in parallel and changes\n" +
			"nothing on them but the agent binary and its journal under /var/lib/ck8s. Each host is\n" +
			"compliant, non-compliant (with findings) or unreachable. Exit 0 all compliant, 1 any\n" +
			"non-compliant, 3 any unreachable (the worst wins).",
		Flags: append(runFlags(),
			&ucli.DurationFlag{Name: "host-timeout", Usage: "deadline of one host (default: the playbook's checks.sweep.hostTimeout, 5m)"},
			&ucli.StringFlag{Name: "cert-warn", Usage: "a certificate with less validity left is a warning, e.g. 21d (default: checks.sweep.certWarn)"},
			&ucli.StringFlag{Name: "cert-fail", Usage: "a certificate with less validity left is non-compliant, e.g. 7d (default: checks.sweep.certFail)"},
			&ucli.Float64Flag{Name: "scan-rate", Usage: "ceiling of outside probes per second over the whole sweep, lowered on loss (0: the syn engine's default, connects unpaced)"},
			&ucli.StringFlag{Name: "scan-engine", Value: string(scan.EngineAuto), Usage: "outside scan engine: auto (syn with root or CAP_NET_RAW on Linux, else connect), syn or connect"},
		),
		Action: func(c *ucli.Context) error {
			if _, err := scan.ParseEngineKind(c.String("scan-engine")); err != nil {
				return badInputf("flag --scan-engine: %v", err)
			}
			return runAction(c, action.Sweep, func(pb *playbook.Playbook) error { return sweepFlags(c, &pb.Checks.Sweep) })
		},
	}
}

// sweepFlags lets the flags override the playbook's checks.sweep.
func sweepFlags(c *ucli.Context, s *playbook.SweepCheck) error {
	if c.IsSet("host-timeout") {
		if s.HostTimeout = c.Duration("host-timeout"); s.HostTimeout <= 0 {
			return badInputf("flag --host-timeout: must be positive, got %s", s.HostTimeout)
		}
	}
	for _, f := range []struct {
		name string
		to   *int64
	}{{"cert-warn", (*int64)(&s.CertWarn)}, {"cert-fail", (*int64)(&s.CertFail)}} {
		if !c.IsSet(f.name) {
			continue
		}
		d, err := tlscheck.ParseMinValid(c.String(f.name))
		if err != nil {
			return badInputf("flag --%s: %v", f.name, err)
		}
		*f.to = int64(d)
	}
	if s.CertFail >= s.CertWarn {
		return badInput(fmt.Errorf("flags --cert-fail (%s) must be below --cert-warn (%s)", s.CertFail, s.CertWarn))
	}
	return nil
}
