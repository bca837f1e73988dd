// Package phase runs a command's work on many hosts: each host goes through
// an ordered list of phases (connect, agent, and later confirm and scan),
// hosts in parallel up to a bound, so one slow or unreachable host never
// stalls the others. The list is data: adding a phase is one type and one
// line where the command builds its list.
package phase

import (
	"context"
	"log/slog"
	"time"

	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/remote"
	"github.com/ck8s/ck8sctl/orchestrator/host"
)

// Phase is one stage of a run on one host.
type Phase interface {
	Title() string
	Run(ctx context.Context, t *Target) error
}

// Optional is a phase that may be off for a host (a check the playbook
// does not ask for). The Manager skips it, so the phase a host is
// reported to have ended in is one that ran.
type Optional interface {
	Enabled(t *Target) bool
}

// Target is one host's state as it moves through the phases.
type Target struct {
	Name   string
	SSH    host.Config
	Plan   *plan.Plan
	Client remote.Conn // set by Connect, closed by the Manager
	Result *Result
	Log    *slog.Logger
	// Rec records the host's events: the run's one recorder.
	Rec *Recorder
	// Dialer, if set, replaces host.Dial of SSH for every connection to
	// the target (tests hand phases fake connections through it).
	Dialer remote.Dialer
}

// Dial opens a fresh connection to the target, for phases that must prove
// something over a new connection or resume after a drop.
func (t *Target) Dial(ctx context.Context) (remote.Conn, error) {
	if t.Dialer != nil {
		return t.Dialer(ctx)
	}
	c, err := host.Dial(ctx, t.SSH)
	if err != nil {
		return nil, err // a nil *host.Client would be a non-nil Conn
	}
	return c, nil
}

// Connect opens the SSH connection every later phase uses.
type Connect struct{}

// Title implements Phase.
func (Connect) Title() string { return "connect" }

// Run implements Phase.
func (Connect) Run(ctx context.Context, t *Target) error {
	start := time.Now()
	c, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	t.Client = c
	t.Log.Debug("connected", "host", t.Name, "duration", time.Since(start))
	return nil
}
