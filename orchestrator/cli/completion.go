package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/inventory"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// Completion is urfave/cli's: the shell runs ck8sctl with the words typed
// so far and --generate-bash-completion, and offers what it prints. The
// one addition is --limit, where the playbook's (or --inventory's) host
// names and groups are offered.

func completionCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		ArgsUsage: "bash|zsh|fish",
		Description: "bash:  source <(ck8sctl completion bash)   (in ~/.bashrc)\n" +
			"zsh:   source <(ck8sctl completion zsh)    (in ~/.zshrc, after compinit)\n" +
			"fish:  ck8sctl completion fish > ~/.config/fish/completions/ck8sctl.fish",
		Action: func(c *ucli.Context) error {
			switch sh := c.Args().First(); sh {
			case "bash":
				_, err := fmt.Fprint(c.App.Writer, bashCompletion)
				return err
			case "zsh":
				_, err := fmt.Fprint(c.App.Writer, zshCompletion)
				return err
			case "fish":
				script, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(c.App.Writer, script+fishHosts(c.App.Commands))
				return err
			default:
				return badInputf("completion: want one argument, bash, zsh or fish, got %q", sh)
			}
		},
	}
}

// completeWith sets the completion of the app and every command from
// args (Main's, as the shell typed them; urfave's own reads os.Args): the
// playbook's hosts after --limit, flag names after a dash, else the
// subcommands. After a flag that takes a value nothing is offered, so the
// shell falls back to file names.
func completeWith(app *ucli.App, args []string) {
	app.BashComplete = completer(nil, app.Flags, app.Commands, args)
	var walk func([]*ucli.Command)
	walk = func(cmds []*ucli.Command) {
		for _, cmd := range cmds {
			cmd.BashComplete = completer(cmd, cmd.Flags, cmd.Subcommands, args)
			walk(cmd.Subcommands)
		}
	}
	walk(app.Commands)
}

func completer(cmd *ucli.Command, flags []ucli.Flag, subs []*ucli.Command, args []string) ucli.BashCompleteFunc {
	return func(c *ucli.Context) {
		var last string
		if n := len(args); n >= 3 {
			last = args[n-2] // the word before the cursor, or the one being typed if a flag
		}
		var names []string
		switch {
		case cmd != nil && hasLimit(cmd) && isFlag(last, "limit", "l"):
			names = limitNames(args)
		case strings.HasPrefix(last, "-"):
			names = flagNames(flags, last)
		default:
			for _, s := range subs {
				if !s.Hidden {
					names = append(names, s.Names()...)
				}
			}
		}
		for _, n := range names {
			fmt.Fprintln(c.App.Writer, n)
		}
	}
}

// flagNames are the flags that complete typed; none when typed names a
// flag taking a value (its value comes next).
func flagNames(flags []ucli.Flag, typed string) []string {
	var out []string
	for _, f := range flags {
		if v, ok := f.(ucli.VisibleFlag); ok && !v.IsVisible() {
			continue
		}
		for _, n := range f.Names() {
			dashed := "--" + n
			if len(n) == 1 {
				dashed = "-" + n
			}
			if isFlag(typed, n) {
				if tv, ok := f.(ucli.DocGenerationFlag); ok && tv.TakesValue() {
					return nil
				}
			}
			if strings.HasPrefix(dashed, typed) {
				out = append(out, dashed)
			}
		}
	}
	return out
}

// hasLimit reports a host-selecting --limit (events' --limit is a count).
func hasLimit(cmd *ucli.Command) bool {
	for _, f := range cmd.Flags {
		if sf, ok := f.(*ucli.StringSliceFlag); ok && sf.Name == "limit" {
			return true
		}
	}
	return false
}

// limitNames are the host names, then the groups, that a --limit pattern
// can name: an --inventory's if one was typed, else the playbook's (its
// labels are its groups). Anything unreadable completes to nothing.
func limitNames(args []string) []string {
	var u inventory.Universe
	if path := flagValue(args, "inventory", "i"); path != "" {
		inv, err := inventory.Load(expandHome(path))
		if err != nil {
			return nil
		}
		u = inv.Universe()
	} else if path := flagValue(args, "playbook", "p"); path != "" {
		pb, err := playbook.Load(expandHome(path))
		if err != nil {
			return nil
		}
		u = inventory.PlaybookUniverse(pb.Hosts)
	}
	return append(u.Hosts, u.Groups...)
}

// flagValue finds a flag's last value among raw args: -p X, --playbook X,
// --playbook=X.
func flagValue(args []string, names ...string) string {
	var v string
	for i, a := range args {
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !isFlag("-"+name, names...) {
			continue
		}
		if hasVal {
			v = val
		} else if i+1 < len(args) {
			v = args[i+1]
		}
	}
	return v
}

func isFlag(arg string, names ...string) bool {
	for _, n := range names {
		if arg == "-"+n || arg == "--"+n {
			return true
		}
	}
	return false
}

// expandHome expands a leading ~/, which the shell leaves as typed in the
// words it hands to completion.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}
