package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/action"
)

func bootstrapCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "bootstrap",
		Usage: "run the whole flow on every host of a playbook",
		Flags: append(runFlags(),
			&ucli.BoolFlag{Name: "check", Usage: "read-only: report what would change, change nothing"},
		),
		Action: func(c *ucli.Context) error { return runAction(c, action.Bootstrap, nil) },
	}
}
