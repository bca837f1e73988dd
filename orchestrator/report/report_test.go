package report

import (
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// TestTablePrintsDrift: a --check run's table shows each host's drift as
// the diffs found, firewall and manifests, so the user sees what would
// change without reading events.
func TestTablePrintsDrift(t *testing.T) {
	r := Run{ID: "r1", Status: "failed", ExitCode: 1, Hosts: []*phase.Result{
		{Host: "lab-1", Status: phase.StatusFailed,
			Firewall:  &phase.FirewallOutcome{State: "drift_detected", Diff: "-add rule inet ck8s input tcp dport 8080 accept\n"},
			Manifests: &phase.ManifestsOutcome{State: "drift_detected", Diff: "# deploy/clusterissuer.yaml:7: ClusterIssuer acme (updated)\n-    email: a@x\n+    email: b@x\n"}},
		{Host: "lab-2", Status: phase.StatusOK, Firewall: &phase.FirewallOutcome{State: "compliant"}},
	}}
	var b strings.Builder
	if err := Write(&b, "table", r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"== lab-1: firewall drift ==\n-add rule inet ck8s input tcp dport 8080 accept\n",
		"== lab-1: manifests drift ==\n# deploy/clusterissuer.yaml:7: ClusterIssuer acme (updated)\n-    email: a@x\n+    email: b@x\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "lab-2: firewall") {
		t.Errorf("a compliant host's drift printed:\n%s", out)
	}
}
