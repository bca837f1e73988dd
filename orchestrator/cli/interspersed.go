package cli

import (
	"errors"
	"flag"
	"io"

	ucli "github.com/urfave/cli/v2"
)

// interspersedAction runs run with the command's flags parsed wherever they
// stand among its arguments (`dns-check DOMAIN --expect IP`): urfave/cli v2
// stops at the first positional argument. Such commands set
// SkipFlagParsing. --help prints the command's help; a bad flag is bad
// input (exit 2).
func interspersedAction(run ucli.ActionFunc) ucli.ActionFunc {
	return func(c *ucli.Context) error {
		c, err := interspersed(c)
		if errors.Is(err, flag.ErrHelp) || (err == nil && c.Bool("help")) {
			ucli.HelpPrinter(c.App.Writer, ucli.CommandHelpTemplate, c.Command)
			return nil
		}
		if err != nil {
			return badInput(err)
		}
		return run(c)
	}
}

// interspersed parses the command's flags wherever they appear among its
// arguments and returns a context reading them.
func interspersed(c *ucli.Context) (*ucli.Context, error) {
	// Aliases (-o, --output) must share one value, as urfave keeps them.
	scratch := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
	set := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range c.Command.Flags {
		if err := f.Apply(scratch); err != nil {
			return c, err
		}
		v := scratch.Lookup(f.Names()[0])
		for _, n := range f.Names() {
			set.Var(v.Value, n, v.Usage)
		}
	}
	var pos []string
	args := c.Args().Slice()
	for {
		if err := set.Parse(args); err != nil {
			return c, err
		}
		if set.NArg() == 0 {
			break
		}
		pos = append(pos, set.Arg(0))
		args = set.Args()[1:]
	}
	all := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
	set.VisitAll(func(f *flag.Flag) { all.Var(f.Value, f.Name, f.Usage) })
	if err := all.Parse(append([]string{"--"}, pos...)); err != nil {
		return c, err
	}
	nc := ucli.NewContext(c.App, all, c)
	nc.Command = c.Command
	return nc, nil
}
