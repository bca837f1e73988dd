package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// isolatedEnv marks the child process Isolated re-executes.
const isolatedEnv = "CK8S_TEST_ISOLATED"

// Isolated runs the calling top-level test again in a child process with a
// network namespace of its own (loopback up, nothing else) and a private
// mount namespace whose /etc is an overlay over the real one, so firewall
// rules and files the test writes under /etc never touch this machine. It
// returns true in the child, where the test does its work, and false in the
// parent, which only reports the child's outcome: callers write
//
//	if !testenv.Isolated(t) { return }
//
// Everything the child execs inherits both namespaces, which is why this
// re-executes instead of unsharing one goroutine's thread.
func Isolated(t *testing.T) bool {
	t.Helper()
	if os.Getenv(isolatedEnv) == t.Name() {
		return true
	}
	if strings.Contains(t.Name(), "/") {
		t.Fatalf("testenv.Isolated must be called from a top-level test, not %s", t.Name())
	}
	RequireRoot(t)
	RequireCommand(t, "unshare", "ip", "mount")
	dir := t.TempDir()
	upper, work := filepath.Join(dir, "upper"), filepath.Join(dir, "work")
	for _, d := range []string{upper, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := `set -e; ip link set lo up; mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc; shift 2; exec "$@"`
	args := []string{"--net", "--mount", "--propagation", "private", "sh", "-c", script, "sh", upper, work,
		os.Args[0], "-test.run=^" + regexp.QuoteMeta(t.Name()) + "$", "-test.count=1", "-test.v"}
	cmd := exec.CommandContext(t.Context(), "unshare", args...)
	cmd.Env = append(os.Environ(), isolatedEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("isolated run of %s:\n%s", t.Name(), out)
	if err != nil {
		t.Fatalf("isolated run of %s failed: %v", t.Name(), err)
	}
	if strings.Contains(string(out), "--- SKIP: "+t.Name()) {
		t.Skip("skipped inside the isolated run")
	}
	return false
}
