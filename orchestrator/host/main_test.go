package host

import (
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
)

// TestMain lets the lab re-run this test binary as its decoy listener.
func TestMain(m *testing.M) { labtest.Main(m) }
