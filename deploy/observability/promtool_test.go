package observability

import (
	"os"
	"os/exec"
	"testing"
)

// promtool is Debian's (package prometheus): the real rule checker and
// unit-test runner, run in this directory where the files are.
const promtool = "/usr/bin/promtool"

func requirePromtool(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(promtool); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (apt-get install prometheus)", promtool)
	}
	t.Skipf("%s is missing (apt-get install prometheus)", promtool)
}

// TestPromtool: the rules load, and alerts_test.yml passes: each alert
// fires on its series and not on the others.
func TestPromtool(t *testing.T) {
	requirePromtool(t)
	for _, args := range [][]string{{"check", "rules", AlertsFile}, {"test", "rules", "alerts_test.yml"}} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
