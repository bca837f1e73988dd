package bootstrap

import (
	"context"
	"strconv"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// ConfirmFirewall runs `ck8s-agent firewall-confirm` for the change id of
// run runID on the host behind c and returns what the agent printed (the
// change's result as JSON). The caller must use a connection opened after
// the change was applied: that it got through the new rules is what is
// confirmed.
func (r *Runner) ConfirmFirewall(ctx context.Context, c remote.Runner, stateDir, runID, id string) ([]byte, error) {
	return remote.Output(ctx, c, CommandInRun(stateDir, runID, r.Agents, "firewall-confirm", "--state-dir", stateDir, "--id", id))
}

// HTTP01Verdict runs `ck8s-agent http01-verdict` on the host behind c: it
// tells run runID's manifests step whether the ACME http-01 rehearsal
// passed (only the orchestrator, outside, can judge it).
func (r *Runner) HTTP01Verdict(ctx context.Context, c remote.Runner, stateDir, runID string, passed bool, reason string) error {
	_, err := remote.Output(ctx, c, CommandInRun(stateDir, runID, r.Agents, "http01-verdict", "--state-dir", stateDir, "--run", runID,
		"--passed="+strconv.FormatBool(passed), "--reason", reason))
	return err
}
