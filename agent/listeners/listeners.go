// Package listeners is the agent step "listeners": the host's listening TCP
// sockets, IPv4 and IPv6, read from /proc/net/tcp{,6} with the process that
// owns each, reported as event listeners.collected with a []facts.Listener
// (internal/facts) as data. The orchestrator joins them with its outside
// scan to tell why a port is exposed, or that it is shielded.
package listeners

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
)

// Step lists listening sockets.
type Step struct{}

var _ step.Checker = Step{}

// New returns the listeners step.
func New() Step { return Step{} }

// Name implements step.Step.
func (Step) Name() string { return "listeners" }

// CheckSafe implements step.Checker: it only reads /proc.
func (Step) CheckSafe() bool { return true }

// reuseScan is how old a scan of this run (the firewall step's, which
// runs just before) may be to stand for this step's: a listing of
// listeners is a snapshot either way, and a firewall change that waited
// for its confirmation is older than this, so the step scans again.
const reuseScan = 2 * time.Second

// Run implements step.Step. Only the socket tables are required; owners
// are best effort (a process may exit, or hide its fds, mid-scan).
func (Step) Run(ctx context.Context, env *step.Env) error {
	ls, err := Recent(env.Path, reuseScan)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("listing listeners: %w", err)
	}
	env.Emit(event.TypeListenersCollected, event.StatusOK, summary(ls), ls)
	return nil
}

// summary is the event message: "3 listening socket(s): 22/sshd, ...".
func summary(ls []facts.Listener) string {
	parts := make([]string, 0, len(ls))
	seen := map[string]bool{}
	for _, l := range ls {
		p := fmt.Sprintf("%d", l.Port)
		if l.Process != "" {
			p += "/" + l.Process
		}
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	return fmt.Sprintf("%d listening socket(s): %s", len(ls), strings.Join(parts, ", "))
}
