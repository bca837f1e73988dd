//go:build linux

package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

func labCommand() *ucli.Command {
	dir := &ucli.StringFlag{Name: "dir", Value: ".lab", EnvVars: []string{"CK8S_LAB_DIR"}, Usage: "lab state `DIR`"}
	return &ucli.Command{
		Name:  "lab",
		Usage: "local lab hosts (network namespaces with a real sshd) for demos and tests",
		Subcommands: []*ucli.Command{
			{
				Name:  "up",
				Usage: "create (or repair) the lab; writes a key, known_hosts and a playbook into the lab dir",
				Flags: []ucli.Flag{dir,
					&ucli.IntFlag{Name: "hosts", Value: 1, Usage: "number of hosts"},
					&ucli.IntFlag{Name: "index", Value: 0, Usage: "lab number 0-255: subnet 198.18.INDEX.0/24"},
				},
				Action: labUp,
			},
			{Name: "down", Usage: "remove the lab and stop what it started", Flags: []ucli.Flag{dir}, Action: labDown},
			{Name: "status", Usage: "show the lab's hosts and their health", Flags: []ucli.Flag{dir}, Action: labStatus},
			{
				Name: "listen", Hidden: true, Usage: "serve the decoy listeners (run by lab up inside a host)",
				ArgsUsage: "PORTS",
				Action: func(c *ucli.Context) error {
					var ports []int
					for _, p := range strings.Split(c.Args().First(), ",") {
						n, err := strconv.Atoi(p)
						if err != nil {
							return badInputf("ports: %q: %v", p, err)
						}
						ports = append(ports, n)
					}
					return lab.ServeDecoys(c.Context, ports)
				},
			},
			{
				Name: "dns", Hidden: true, Usage: "serve the lab's DNS zone (run by lab up in the root namespace)",
				ArgsUsage: "ZONEFILE",
				Action: func(c *ucli.Context) error {
					if c.NArg() != 1 {
						return badInputf("lab dns: want one argument, the zone file")
					}
					return lab.ServeDNS(c.Context, c.Args().First())
				},
			},
		},
	}
}

func labUp(c *ucli.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	n := c.Int("hosts")
	if n < 1 || n > 200 {
		return badInputf("flag --hosts: must be 1-200, got %d", n)
	}
	l, err := lab.Up(c.Context, lab.Options{Dir: c.String("dir"), Hosts: n, Index: c.Int("index"),
		ListenerArgv: []string{self, "lab", "listen"}, DNSArgv: []string{self, "lab", "dns"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "lab up: %d host(s) in %s\n  playbook:    %s\n  key:         %s\n  known_hosts: %s\n",
		len(l.Hosts), l.Dir, l.PlaybookFile, l.KeyFile, l.KnownHostsFile)
	if len(l.Nameservers) > 0 {
		fmt.Fprintf(c.App.Writer, "  dns:         %s on %s\n", lab.Domain, strings.Join(l.Nameservers, ", "))
	}
	for _, h := range l.Hosts {
		fmt.Fprintf(c.App.Writer, "  %-8s %s  %s\n", h.Name, h.Addr4, h.Addr6)
	}
	return nil
}

func labDown(c *ucli.Context) error {
	if err := lab.Down(c.Context, c.String("dir")); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "lab down: %s removed\n", c.String("dir"))
	return nil
}

func labStatus(c *ucli.Context) error {
	l, st, err := lab.Status(c.Context, c.String("dir"))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.App.Writer, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "HOST\tNETNS\tIPV4\tIPV6\tSSHD\tDECOYS\tSSH PORT\n")
	healthy := true
	for _, s := range st {
		healthy = healthy && s.SSHD && s.SSHReachable
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Host.Name, s.Host.NetNS, s.Host.Addr4, s.Host.Addr6,
			upDown(s.SSHD), upDown(s.Decoys), map[bool]string{true: "open", false: "closed"}[s.SSHReachable])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !healthy {
		return &exitError{code: ExitFailed, err: fmt.Errorf("lab %s is not healthy: run `ck8sctl lab up` to repair", l.Dir)}
	}
	return nil
}

func upDown(b bool) string {
	if b {
		return "up"
	}
	return "down"
}
