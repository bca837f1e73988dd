package step

import (
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// Event types the Wet gate emits. Steps add their own, named
// "<step>.<what>" (facts.collected, dns.preflight.passed).
const (
	TypeChangePlanned = "change.planned" // check mode: what would change
	TypeChangeApplied = "change.applied"
)

// Sink receives what steps emit; the runner implements it (sequence
// numbers, redaction, journal and stdout are its business, not the step's).
type Sink interface {
	Emit(step, typ string, status event.Status, message string, data any)
}

// SecretSink is implemented by sinks that mask values a step learns to be
// secret mid-run (credentials read from a host file).
type SecretSink interface {
	Learn(values ...string)
}

// Env is everything a step may use. Host paths go through Path so that
// tests and check mode never depend on the real /proc, /sys or /etc.
type Env struct {
	Plan *plan.Plan
	// Root is the host root prefix, "/" on a real run.
	Root string
	// Log is the step's logger, with host and step already attached.
	Log *slog.Logger

	name string
	sink Sink

	mu      sync.Mutex
	changed bool
}

// NewEnv returns the Env for one run of the step called name.
func NewEnv(p *plan.Plan, root, name string, log *slog.Logger, sink Sink) *Env {
	if root == "" {
		root = "/"
	}
	return &Env{Plan: p, Root: root, Log: log, name: name, sink: sink}
}

// Path returns the host path p under the root prefix.
func (e *Env) Path(p string) string { return filepath.Join(e.Root, p) }

// Check reports whether this is a read-only run.
func (e *Env) Check() bool { return e.Plan != nil && e.Plan.Check }

// Emit reports an event of this step. Data is marshalled to JSON; all of it
// passes the redactor before it leaves the host.
func (e *Env) Emit(typ string, status event.Status, message string, data any) {
	e.sink.Emit(e.name, typ, status, message, data)
}

// Secret asks that values never leave the host unmasked: from now on every
// event and log line of the run has them replaced. A step calls it as soon
// as it reads a credential, before anything could report it.
func (e *Env) Secret(values ...string) {
	if s, ok := e.sink.(SecretSink); ok {
		s.Learn(values...)
	}
}

// Wet is the one gate for changing the host. In check mode it reports what
// would be done and does nothing; otherwise it runs apply and, if that
// succeeds, marks the step changed. what reads as an action: "add chain
// CK8S-INPUT".
func (e *Env) Wet(what string, apply func() error) error {
	if e.Check() {
		e.Emit(TypeChangePlanned, event.StatusSkipped, "would "+what, nil)
		return nil
	}
	if err := apply(); err != nil {
		return err
	}
	e.Changed()
	e.Emit(TypeChangeApplied, event.StatusChanged, what, nil)
	return nil
}

// Changed marks the step as having changed the host.
func (e *Env) Changed() {
	e.mu.Lock()
	e.changed = true
	e.mu.Unlock()
}

// HasChanged reports whether the step changed the host.
func (e *Env) HasChanged() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.changed
}
