//go:build !linux

package cli

import (
	"errors"
	"runtime"

	ucli "github.com/urfave/cli/v2"
)

// errLabLinux is why `lab` refuses off Linux; the lab package itself is
// then not linked into ck8sctl at all.
var errLabLinux = errors.New("lab needs Linux (network namespaces); this is " + runtime.GOOS)

// labCommand off Linux keeps `lab` in the help (so the docs hold on every
// system) but every use of it fails with exit 2.
func labCommand() *ucli.Command {
	refuse := func(*ucli.Context) error { return badInput(errLabLinux) }
	sub := func(name, usage string) *ucli.Command {
		return &ucli.Command{Name: name, Usage: usage, Action: refuse, SkipFlagParsing: true}
	}
	return &ucli.Command{
		Name:   "lab",
		Usage:  "local lab hosts (network namespaces with a real sshd; Linux only)",
		Action: refuse,
		Subcommands: []*ucli.Command{
			sub("up", "create (or repair) the lab (Linux only)"),
			sub("down", "remove the lab (Linux only)"),
			sub("status", "show the lab's hosts (Linux only)"),
		},
	}
}
