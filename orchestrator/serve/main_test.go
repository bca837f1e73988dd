package serve_test

import (
	"os"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/cli"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
)

// asCLIEnv makes the test binary run as ck8sctl itself, for tests that
// need a serve process to kill.
const asCLIEnv = "CK8S_TEST_AS_CK8SCTL"

func TestMain(m *testing.M) {
	if os.Getenv(asCLIEnv) == "1" {
		os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
	}
	labtest.Main(m)
}
