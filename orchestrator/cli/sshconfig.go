package cli

import (
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/host"
)

// passphraseEnv holds the passphrase of encrypted identity files. Its value
// is masked in every log line and event.
const passphraseEnv = action.PassphraseEnv

// sshSettings are the run flags' SSH choices.
func sshSettings(c *ucli.Context, prompt func(string) ([]byte, error)) action.SSHSettings {
	return action.SSHSettings{
		AcceptNewHostKeys: c.Bool("accept-new-host-keys"),
		ConfigFile:        c.String("ssh-config"),
		ConnectTimeout:    c.Duration("connect-timeout"),
		KeyExchanges:      c.StringSlice("ssh-kex"),
		Prompt:            prompt,
	}
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
