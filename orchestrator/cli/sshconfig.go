package cli

import (
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// passphraseEnv holds the passphrase of encrypted identity files. Its value
// is masked in every log line and event.
const passphraseEnv = "CK8S_SSH_PASSPHRASE"

// sshConfig turns a playbook host into an SSH configuration, with its chain
// of jump hosts (playbook hosts, or outside [user@]host[:port] hops, which
// the playbook resolves against its defaults).
func sshConfig(c *ucli.Context, pb *playbook.Playbook, h playbook.Host, prompt func(string) ([]byte, error)) host.Config {
	cfg := hostConfig(c, h, prompt)
	var prev *host.Config
	for _, j := range pb.Jumps(h) {
		jc := hostConfig(c, j, prompt)
		jc.Sudo = false // a jump host only forwards
		jc.Jump = prev
		prev = &jc
	}
	cfg.Jump = prev
	return cfg
}

// passphrasePrompt asks on the terminal for an encrypted key's passphrase,
// once per key file however many hosts use it, when the environment
// variable is not set and stdin is a terminal.
func passphrasePrompt(c *ucli.Context) func(string) ([]byte, error) {
	in, ok := c.App.Reader.(*os.File)
	if !ok {
		return nil
	}
	return host.MemoizePrompt(host.TerminalPrompt(in, c.App.ErrWriter))
}

func hostConfig(c *ucli.Context, h playbook.Host, prompt func(string) ([]byte, error)) host.Config {
	cfg := host.Config{
		Name:              h.Name,
		Address:           h.Address,
		Port:              h.Port,
		User:              h.User,
		KnownHostsFile:    h.KnownHostsFile,
		AcceptNewHostKeys: c.Bool("accept-new-host-keys"),
		Sudo:              h.Sudo,
		SSHConfigFile:     c.String("ssh-config"),
		ConnectTimeout:    c.Duration("connect-timeout"),
		PassphraseEnv:     passphraseEnv,
		KeyExchanges:      c.StringSlice("ssh-kex"),
		PassphrasePrompt:  prompt,
	}
	if h.IdentityFile != "" {
		cfg.IdentityFiles = []string{h.IdentityFile}
	}
	return cfg
}
