package serve_test

import (
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
)

func TestMain(m *testing.M) { labtest.Main(m) }
