package bootstrap

import (
	"context"
	"strconv"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// ConfirmFirewall confirms a firewall change on the host behind c: it
// creates request, the file the change's firewall.applied event names,
// and the change's watchdog confirms it (agent/firewall, watchdog.go). No
// program of ours runs for it, one agent start less per apply than the
// agent's firewall-confirm command. The caller must use a connection
// opened after the change was applied: that it got through the new rules
// is what is confirmed. How the change ended comes on the run's own
// stream (firewall.confirmed, or firewall.rolled_back when the request
// came too late).
func ConfirmFirewall(ctx context.Context, c remote.Runner, request string) error {
	// In sh, as every command of ours: the login shell may be any.
	_, err := remote.Output(ctx, c, `sh -c ': > "$1"' ck8s-confirm `+remote.Quote(request))
	return err
}

// HTTP01Verdict runs `ck8s-agent http01-verdict` on the host behind c: it
// tells run runID's manifests step whether the ACME http-01 rehearsal
// passed (only the orchestrator, outside, can judge it).
func (r *Runner) HTTP01Verdict(ctx context.Context, c remote.Runner, stateDir, runID string, passed bool, reason string) error {
	_, err := remote.Output(ctx, c, CommandInRun(stateDir, runID, r.Agents, "http01-verdict", "--state-dir", stateDir, "--run", runID,
		"--passed="+strconv.FormatBool(passed), "--reason", reason))
	return err
}
