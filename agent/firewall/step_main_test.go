package firewall

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// buildDir holds the agent built for the isolated tests of this test
// process; empty in an isolated child, which gets the binary from its
// parent (agentEnv).
var buildDir string

func TestMain(m *testing.M) {
	if os.Getenv(agentEnv) != "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "ck8s-firewall-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var buildAgent = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(buildDir, "ck8s-agent")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/ck8s-agent")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the agent: %v\n%s", err, out)
	}
	return bin, nil
})
