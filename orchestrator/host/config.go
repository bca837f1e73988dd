package host

import (
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"
)

// Defaults applied by Dial to zero-valued Config fields.
const (
	DefaultPort           = 22
	DefaultConnectTimeout = 10 * time.Second
	DefaultKeepAlive      = 15 * time.Second
	DefaultRetries        = 2
	DefaultPassphraseEnv  = "CK8S_SSH_PASSPHRASE"
)

// Config says how to reach one host. Explicit fields win over ~/.ssh/config,
// as options on ssh's command line do.
type Config struct {
	Name          string   // playbook name, used in String() and every error
	Address       string   // IP or DNS name; also the ssh_config Host alias (Name when empty)
	Port          int      // 0 → from ssh_config or 22
	User          string   // "" → ssh_config or current user
	IdentityFiles []string // tried in order after ssh-agent keys; ssh_config ones follow
	// IdentitiesOnly offers only IdentityFiles: an ssh-agent key only when
	// it is one of them (the .pub beside the file says which). ssh_config's
	// IdentitiesOnly yes sets it.
	IdentitiesOnly bool
	// KnownHostsFile, when set, is the only known_hosts file checked (it
	// wins over ssh_config). "" → ssh_config's UserKnownHostsFile (default
	// ~/.ssh/known_hosts) and GlobalKnownHostsFile; new keys are recorded
	// in the first UserKnownHostsFile.
	KnownHostsFile    string
	AcceptNewHostKeys bool // trust on first use: record unknown keys; ssh_config's StrictHostKeyChecking accept-new sets it
	Sudo              bool // run commands through `sudo -n` (skipped for root)
	// Jump is a ProxyJump hop (recursive), nil for none (then ssh_config's
	// ProxyJump applies). Its zero-valued fields other than bools inherit
	// the target's explicit values; Sudo and AcceptNewHostKeys never do.
	Jump          *Config
	SSHConfigFile string // "" → ~/.ssh/config if it exists; "none" → don't read
	// ProxyCommand, as in ssh_config: run by `sh -c "exec …"` with %h %p
	// %r %% expanded, the SSH connection over its stdin and stdout (the
	// network fence cannot see where it connects; each use is logged). ""
	// → ssh_config's (unless Jump is set), "none" → none.
	ProxyCommand string
	AgentSocket  string // "" → $SSH_AUTH_SOCK; "none" → no agent

	ConnectTimeout time.Duration // per TCP dial+handshake, default 10s
	KeepAlive      time.Duration // default 15s, < 0 disables; 3 missed → connection dead
	Retries        int           // transient failures only; default 2, < 0 → none

	PassphraseEnv    string                            // env var with the identity-file passphrase (default CK8S_SSH_PASSPHRASE)
	PassphrasePrompt func(file string) ([]byte, error) // used when the env var is unset; see TerminalPrompt, MemoizePrompt
	KeyExchanges     []string                          // optional kex override (the benchmark pins curve25519-sha256)

	Logger *slog.Logger // dials, retries, keepalive loss, ignored ssh_config options, ProxyCommand use; nil → none

	knownHosts []string // resolved: every known_hosts file checked
}

// String names the host as "name (user@addr:port)" for logs and errors.
func (c Config) String() string {
	port := c.Port
	if port == 0 {
		port = DefaultPort
	}
	dest := net.JoinHostPort(c.Address, strconv.Itoa(port))
	if c.User != "" {
		dest = c.User + "@" + dest
	}
	if c.Name == "" {
		return dest
	}
	return c.Name + " (" + dest + ")"
}

// inherit fills the hop's unset fields from the target's explicit ones, so a
// playbook need not repeat the key and known_hosts file for every jump host.
func (c Config) inherit(p Config) Config {
	if c.IdentityFiles == nil {
		c.IdentityFiles = p.IdentityFiles
	}
	c.KnownHostsFile = or(c.KnownHostsFile, p.KnownHostsFile)
	c.SSHConfigFile = or(c.SSHConfigFile, p.SSHConfigFile)
	c.AgentSocket = or(c.AgentSocket, p.AgentSocket)
	c.PassphraseEnv = or(c.PassphraseEnv, p.PassphraseEnv)
	c.ConnectTimeout = or(c.ConnectTimeout, p.ConnectTimeout)
	c.KeepAlive = or(c.KeepAlive, p.KeepAlive)
	c.Retries = or(c.Retries, p.Retries)
	if c.PassphrasePrompt == nil {
		c.PassphrasePrompt = p.PassphrasePrompt
	}
	if c.KeyExchanges == nil {
		c.KeyExchanges = p.KeyExchanges
	}
	if c.Logger == nil {
		c.Logger = p.Logger
	}
	return c
}

// withDefaults fills what neither the caller nor ssh_config set.
func (c Config) withDefaults() Config {
	home, _ := os.UserHomeDir()
	c.Port = or(c.Port, DefaultPort)
	if c.User == "" {
		c.User = currentUser()
	}
	c.AgentSocket = or(c.AgentSocket, os.Getenv("SSH_AUTH_SOCK"), "none")
	c.ConnectTimeout = or(c.ConnectTimeout, DefaultConnectTimeout)
	c.KeepAlive = or(c.KeepAlive, DefaultKeepAlive)
	c.Retries = max(or(c.Retries, DefaultRetries), 0)
	c.PassphraseEnv = or(c.PassphraseEnv, DefaultPassphraseEnv)
	if len(c.IdentityFiles) == 0 {
		// ssh's defaults; missing ones are skipped quietly (see signers).
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			c.IdentityFiles = append(c.IdentityFiles, filepath.Join(home, ".ssh", n))
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// or returns the first non-zero value.
func or[T comparable](vals ...T) T {
	var zero T
	for _, v := range vals {
		if v != zero {
			return v
		}
	}
	return zero
}
