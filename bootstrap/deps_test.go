package bootstrap

import (
	"os/exec"
	"strings"
	"testing"
)

// Delivery takes the small interfaces of internal/remote, not the SSH
// client of orchestrator/host: that is what lets its tests use fakes, and
// keeps the dependency pointing one way, from the orchestrator to
// bootstrap.
func TestBootstrapDoesNotImportTheOrchestrator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/ck8s/ck8sctl/orchestrator/") {
			t.Errorf("bootstrap imports %s", dep)
		}
	}
}
