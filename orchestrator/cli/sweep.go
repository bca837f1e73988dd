package cli

import (
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/action"
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
			&ucli.Float64Flag{Name: "scan-rate", Usage: "ceiling of outside probes per second over the whole sweep (0: none)"},
		),
		Action: func(c *ucli.Context) error {
			if d := c.Duration("host-timeout"); c.IsSet("host-timeout") && d <= 0 {
				return badInputf("flag --host-timeout: must be positive, got %s", d)
			}
			return runAction(c, action.Sweep)
		},
	}
}

// hostTimeout is --host-timeout where the command has it.
func hostTimeout(c *ucli.Context) time.Duration {
	if c.IsSet("host-timeout") {
		return c.Duration("host-timeout")
	}
	return 0
}
