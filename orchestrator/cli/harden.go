package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/action"
)

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
		Action: func(c *ucli.Context) error { return runAction(c, action.Harden, nil) },
	}
}
