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

// completeHosts makes every command with a --limit flag complete its
// value from the playbook named on the command line (args are Main's).
func completeHosts(cmds []*ucli.Command, args []string) {
	for _, cmd := range cmds {
		completeHosts(cmd.Subcommands, args)
		if !hasLimit(cmd) {
			continue
		}
		next := ucli.DefaultCompleteWithFlags(cmd)
		cmd.BashComplete = func(c *ucli.Context) {
			if n := len(args); n >= 2 && isFlag(args[n-2], "limit", "l") {
				for _, name := range limitNames(args) {
					fmt.Fprintln(c.App.Writer, name)
				}
				return
			}
			next(c)
		}
	}
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
