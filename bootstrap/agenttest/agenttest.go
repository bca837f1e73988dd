// Package agenttest guards tests that run the embedded agent on lab
// hosts: ck8sctl built without its agents (no `make build` first) skips
// them on a laptop and fails them under CI=true.
package agenttest

import (
	"errors"
	"testing"

	"github.com/ck8s/ck8sctl/bootstrap"
	"github.com/ck8s/ck8sctl/internal/testenv"
)

// Require fails (CI) or skips t when the agents are not embedded.
func Require(t testing.TB) {
	t.Helper()
	if _, err := bootstrap.Agents(); errors.Is(err, bootstrap.ErrNoAgent) {
		if testenv.CI() {
			t.Fatal("agent binaries are not embedded: run `make build` before go test")
		}
		t.Skip("agent binaries are not embedded: run `make build` first")
	}
}
