package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// hardenSteps re-apply the firewall only; listeners let the outside scan
// (when the playbook has checks: ports:) say why a port is exposed.
var hardenSteps = []string{"firewall", "listeners"}

func hardenCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "harden",
		Usage: "re-apply the firewall profile (drift repair), confirmed over a new SSH connection",
		Description: "Compares each host's firewall with the playbook's profile. A host without drift is left\n" +
			"untouched; drift is shown as a diff and repaired (or only shown with --check, exit 1).\n" +
			"A change that no new SSH connection can confirm is rolled back on the host (exit 4).",
		Flags: append(runFlags(),
			&ucli.BoolFlag{Name: "check", Usage: "read-only: show the drift as a diff, change nothing"},
		),
		Action: func(c *ucli.Context) error {
			return runPlaybook(c, "harden", hardenSteps)
		},
	}
}

// firewallPlan is the plan's firewall section for a host reached on
// sshPort (0: the default). The agent adds the ports its sshd listens on.
func firewallPlan(fw playbook.Firewall, sshPort int) *plan.FirewallPlan {
	if sshPort == 0 {
		sshPort = host.DefaultPort
	}
	return &plan.FirewallPlan{
		Backend:           fw.Backend,
		AllowTCP:          fw.AllowTCP,
		AllowUDP:          fw.AllowUDP,
		SSHPorts:          []int{sshPort},
		SSHSources:        fw.SSHSources,
		TrustedInterfaces: fw.TrustedInterfaces,
		TrustedCIDRs:      fw.TrustedCIDRs,
		Reject:            fw.Policy == playbook.PolicyReject,
		ConfirmTimeout:    plan.Duration(fw.ConfirmTimeout),
		Persist:           fw.Persist == nil || *fw.Persist,
	}
}
