package remote

import (
	"os/exec"
	"strings"
	"testing"
)

// remote is the leaf both sides of a connection share: if it imported any
// ck8sctl package (orchestrator/host above all), bootstrap would depend on
// it again through remote. (pkg/sftp, for *sftp.Client, brings
// x/crypto/ssh's types; the agent imports neither.)
func TestRemoteIsALeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/ck8s/ck8sctl/") && dep != "github.com/ck8s/ck8sctl/internal/remote" {
			t.Errorf("internal/remote imports %s", dep)
		}
	}
}
