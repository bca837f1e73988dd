package cli

import (
	ucli "github.com/urfave/cli/v2"
)

// operatorHabits adds what an operator at a laptop expects of a command
// line tool: `version`, `init`, shell completion and --quiet. Kept apart
// from Main so the command list there stays the run's commands.
// args are Main's, which completion reads as the shell typed them.
func operatorHabits(app *ucli.App, args []string) {
	app.EnableBashCompletion = true
	app.Flags = append(app.Flags, quietFlag)
	app.Commands = append(app.Commands, versionCommand(), initCommand(), completionCommand())
	completeWith(app, args)
}
