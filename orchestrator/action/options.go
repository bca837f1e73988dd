package action

import (
	"errors"
	"log/slog"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/scan"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// ErrInput means the request itself is wrong (playbook, hosts, settings):
// nothing ran on any host and nothing was recorded. The CLI exits 2; serve
// answers 400. Not retryable until the input changes.
var ErrInput = errors.New("bad input")

// Options are what a caller decides about a run.
type Options struct {
	Action   Name
	Playbook *playbook.Playbook
	// Hosts are the playbook hosts to act on (after --limit); all when nil.
	Hosts []playbook.Host
	// Check asks for a read-only run; a read-only action is always one.
	Check bool
	// Forks bounds the hosts worked on at once.
	Forks int
	// SSH turns a playbook host into its SSH settings (the caller's flags:
	// host keys, ssh_config, timeouts, key passphrases).
	SSH func(playbook.Host) host.Config
	// ConnectTimeout bounds one SSH connection attempt (the firewall's
	// confirmation dials with it).
	ConnectTimeout time.Duration
	// LockWait bounds the wait for another run's lock on a host.
	LockWait time.Duration
	// Scan tunes the outside scan; zero values keep the defaults.
	Scan ScanOptions

	// Store records the run and every event.
	Store store.Store
	// Redact is the run's redactor (see Redactor); nil builds one from
	// the playbook.
	Redact *redact.Redactor
	Log    *slog.Logger
	// Progress, if set, sees every event as it is recorded.
	Progress func(event.Event)
	// Done, if set, is called as each host finishes.
	Done func(*phase.Target)
	// RunID, if set, is the run's id (serve allocates it when it
	// enqueues); otherwise a new time-ordered id.
	RunID string
}

// ScanOptions tune the outside port scan of a run.
type ScanOptions struct {
	// Rate is the ceiling of probes per second across the run, lowered on
	// loss (0: the SYN engine's default; connects unpaced).
	Rate float64
	// Engine picks how probes are sent: auto (""), syn or connect.
	Engine scan.EngineKind
	// Concurrency bounds sockets in flight across the run's shared
	// scanner, or per host without one (0: the default budget).
	Concurrency int
}
