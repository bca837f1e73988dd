package cli

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// passphraseEnv holds the passphrase of encrypted identity files. Its value
// is masked in every log line and event.
const passphraseEnv = "CK8S_SSH_PASSPHRASE"

// sshConfig turns a playbook host into an SSH configuration, following its
// jump host (another playbook host, or [user@]host[:port]).
func sshConfig(c *ucli.Context, pb *playbook.Playbook, h playbook.Host, depth int) (host.Config, error) {
	if depth > 5 {
		return host.Config{}, fmt.Errorf("host %s: %w", h.Name, errJumpDepth)
	}
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
	}
	if h.IdentityFile != "" {
		cfg.IdentityFiles = []string{h.IdentityFile}
	}
	if h.Jump == "" {
		return cfg, nil
	}
	if j, ok := pb.HostByName(h.Jump); ok {
		jc, err := sshConfig(c, pb, j, depth+1)
		if err != nil {
			return host.Config{}, err
		}
		jc.Sudo = false // the jump host only forwards
		cfg.Jump = &jc
		return cfg, nil
	}
	jc, err := jumpSpec(h.Jump)
	if err != nil {
		return host.Config{}, fmt.Errorf("host %s: jump: %w", h.Name, err)
	}
	// A bare jump spec borrows the target's credentials and known_hosts,
	// as ssh -J does.
	jc.IdentityFiles, jc.KnownHostsFile = cfg.IdentityFiles, cfg.KnownHostsFile
	jc.AcceptNewHostKeys, jc.SSHConfigFile, jc.ConnectTimeout, jc.PassphraseEnv, jc.KeyExchanges = cfg.AcceptNewHostKeys, cfg.SSHConfigFile, cfg.ConnectTimeout, cfg.PassphraseEnv, cfg.KeyExchanges
	cfg.Jump = &jc
	return cfg, nil
}

// jumpSpec parses [user@]host[:port].
func jumpSpec(s string) (host.Config, error) {
	var c host.Config
	if u, rest, ok := strings.Cut(s, "@"); ok {
		c.User, s = u, rest
	}
	c.Name, c.Address = s, s
	if h, p, err := net.SplitHostPort(s); err == nil {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return c, fmt.Errorf("%q: bad port", p)
		}
		c.Address, c.Port, c.Name = h, port, h
	}
	if c.Address == "" {
		return c, fmt.Errorf("%q: empty host", s)
	}
	return c, nil
}
