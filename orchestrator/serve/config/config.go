package config

import (
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// Defaults, as documented in the package comment and the example file.
const (
	DefaultListen         = "127.0.0.1:9480"
	DefaultGrace          = 2 * time.Minute
	DefaultRetention      = 720 * time.Hour
	DefaultConnectTimeout = 10 * time.Second // as ck8sctl's --connect-timeout
	DefaultLockWait       = 2 * time.Minute  // as --lock-wait
	DefaultForks          = 20               // as --forks
	DefaultWindow         = 5 * time.Minute
	DefaultMaxBody        = 1 << 20
	MaxMaxBody            = 64 << 20 // GitHub caps a delivery at 25 MB
	DefaultPerMinute      = 60
	DefaultBurst          = 10
)

// Config is a loaded, validated serve.yaml: defaults applied, paths
// absolute, secrets read, every playbook loaded. Nothing after Load needs
// to validate it again.
type Config struct {
	Path      string // as given to Load
	Listen    string // host:port
	TLS       *TLS   // nil: plain HTTP
	DB        string // absolute; empty: the CLI's default
	SSH       SSH
	Grace     time.Duration // how long running jobs get to finish on SIGTERM
	Retention time.Duration // runs and events older are pruned; 0 keeps all
	// RunTimeout, if set, is every run's timeout (a schedule's own
	// timeout still wins for its runs); 0 derives it from the playbook.
	// River rescues a job whose worker died RunTimeout + a minute later.
	RunTimeout time.Duration

	Playbooks     map[string]*playbook.Playbook
	PlaybookNames []string // in file order

	Tokens    []Token
	Schedules []Schedule
	Webhooks  []Webhook
}

// TLS is the server's certificate and key, both absolute paths of files
// that parsed as a key pair at load time.
type TLS struct{ Cert, Key string }

// SSH holds the settings a ck8sctl command takes as flags.
type SSH struct {
	ConfigFile        string // absolute path, "none", or "" for ~/.ssh/config
	AcceptNewHostKeys bool
	ConnectTimeout    time.Duration // > 0
	LockWait          time.Duration // >= 0
	Forks             int           // >= 1
}

// Token is an API bearer token.
type Token struct {
	Name   string
	Secret Secret
}

// Secrets returns every token and webhook secret, once each, for the
// redactor that masks them in run output.
func (c *Config) Secrets() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s Secret) {
		if v := string(s.b); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, t := range c.Tokens {
		add(t.Secret)
	}
	for _, w := range c.Webhooks {
		add(w.Secret)
	}
	return out
}
