package action

import (
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// PassphraseEnv holds the passphrase of encrypted identity files. Its
// value is masked in every log line and event.
const PassphraseEnv = "CK8S_SSH_PASSPHRASE"

// SSHSettings are a caller's SSH choices for every host of a run: the
// CLI's flags, or serve.yaml's ssh: section.
type SSHSettings struct {
	AcceptNewHostKeys bool
	ConfigFile        string // ssh_config; "none" ignores it, "" reads ~/.ssh/config
	ConnectTimeout    time.Duration
	KeyExchanges      []string
	// Prompt asks for an encrypted key's passphrase (nil: never ask).
	Prompt func(string) ([]byte, error)
}

// Config turns a playbook host into its SSH configuration, with its chain
// of jump hosts (playbook hosts, or outside [user@]host[:port] hops, which
// the playbook resolves against its defaults).
func (s SSHSettings) Config(pb *playbook.Playbook, h playbook.Host) host.Config {
	cfg := s.hostConfig(h)
	var prev *host.Config
	for _, j := range pb.Jumps(h) {
		jc := s.hostConfig(j)
		jc.Sudo = false // a jump host only forwards
		jc.Jump = prev
		prev = &jc
	}
	cfg.Jump = prev
	return cfg
}

func (s SSHSettings) hostConfig(h playbook.Host) host.Config {
	cfg := host.Config{
		Name:              h.Name,
		Address:           h.Address,
		Port:              h.Port,
		User:              h.User,
		KnownHostsFile:    h.KnownHostsFile,
		AcceptNewHostKeys: s.AcceptNewHostKeys,
		Sudo:              h.Sudo,
		SSHConfigFile:     s.ConfigFile,
		ConnectTimeout:    s.ConnectTimeout,
		PassphraseEnv:     PassphraseEnv,
		KeyExchanges:      s.KeyExchanges,
		PassphrasePrompt:  s.Prompt,
	}
	if h.IdentityFile != "" {
		cfg.IdentityFiles = []string{h.IdentityFile}
	}
	return cfg
}
