package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/inventory"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

func initCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "init",
		Usage: "write a commented starter playbook, from flags or from an Ansible inventory",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "domain", Usage: "the `DOMAIN` the hosts serve", Required: true},
			&ucli.StringSliceFlag{Name: "host", Usage: "a host as `NAME=ADDRESS` (repeatable)"},
			&ucli.StringFlag{Name: "inventory", Aliases: []string{"i"}, Usage: "take the hosts from this Ansible inventory `FILE` (INI or YAML)"},
			&ucli.StringFlag{Name: "user", Usage: "SSH `USER` of every host (default root)"},
			&ucli.StringFlag{Name: "identity-file", Usage: "SSH private key `FILE` of every host"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "-", Usage: "write the playbook to `FILE` (- is stdout)"},
			&ucli.BoolFlag{Name: "force", Usage: "overwrite an existing output file"},
		},
		Action: runInit,
	}
}

func runInit(c *ucli.Context) error {
	s := starter{Domain: c.String("domain"), User: c.String("user"), IdentityFile: c.String("identity-file")}
	hosts, err := starterHosts(c)
	if err != nil {
		return err
	}
	s.Hosts = hosts
	text := s.render()
	// What init writes must load: a value the flags let through but the
	// playbook refuses is reported now, naming the flag's value.
	if _, err := playbook.Parse("ck8sctl-init.yaml", []byte(text)); err != nil {
		return badInputf("the starter playbook would not load: %v", err)
	}
	out := c.String("output")
	if out == "-" {
		_, err := fmt.Fprint(c.App.Writer, text)
		return err
	}
	if err := writeNew(out, text, c.Bool("force")); err != nil {
		return err
	}
	if !isQuiet(c) {
		fmt.Fprintf(c.App.ErrWriter, "wrote %s (%d host(s)); check it with: ck8sctl bootstrap -p %s --check\n", out, len(hosts), out)
	}
	return nil
}

// starterHosts are --inventory's hosts or the --host flags.
func starterHosts(c *ucli.Context) ([]starterHost, error) {
	if path := c.String("inventory"); path != "" {
		if len(c.StringSlice("host")) > 0 {
			return nil, badInputf("flags --inventory and --host: give one or the other")
		}
		inv, err := inventory.Load(path)
		if err != nil {
			return nil, badInput(err)
		}
		return inventoryStarter(inv), nil
	}
	var hosts []starterHost
	for _, f := range c.StringSlice("host") {
		name, addr, ok := strings.Cut(f, "=")
		if !ok || name == "" || addr == "" {
			return nil, badInputf("flag --host: want NAME=ADDRESS, got %q", f)
		}
		hosts = append(hosts, starterHost{Name: name, Address: addr})
	}
	return hosts, nil
}

// writeNew writes text to path, refusing to replace a file unless force.
func writeNew(path, text string, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return badInputf("flag --output: %s exists (use --force to overwrite it)", path)
	}
	if err != nil {
		return badInputf("flag --output: %v", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// inventoryStarter maps inventory hosts to playbook hosts. Playbook names
// are DNS labels: an FQDN keeps its first label, an IP address becomes
// host-203-0-113-5, and a clash gets a number.
func inventoryStarter(inv *inventory.Inventory) []starterHost {
	seen := map[string]int{}
	var out []starterHost
	for _, h := range inv.Hosts {
		name := labelOf(h.Name)
		if seen[name]++; seen[name] > 1 {
			name = fmt.Sprintf("%s-%d", name, seen[name])
		}
		sh := starterHost{Name: name, Address: h.Address, Port: h.Port, User: h.User, Groups: h.Groups, From: h.Name}
		if h.IdentityFile != "" {
			sh.IdentityFile = homeRelative(h.IdentityFile)
		}
		sh.Sudo = h.Become != nil && *h.Become && h.User != "" && h.User != "root"
		out = append(out, sh)
	}
	return out
}

func labelOf(name string) string {
	var b strings.Builder
	first, _, _ := strings.Cut(name, ".")
	if isIPish(name) {
		first = "host-" + name
	}
	for _, r := range strings.ToLower(first) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 {
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 63 {
		s = strings.Trim(s[:63], "-")
	}
	if s == "" {
		s = "host"
	}
	return s
}

func isIPish(s string) bool {
	return strings.Trim(s, "0123456789.:abcdefABCDEF") == "" && strings.ContainsAny(s, ".:")
}

// homeRelative writes a path under the home directory as ~/..., so the
// playbook works for a colleague too.
func homeRelative(p string) string {
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") {
		return "~/" + filepath.ToSlash(rel)
	}
	return p
}
