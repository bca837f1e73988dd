package firewall

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// buildDir holds the agent built for the isolated tests of this test
// process; empty in an isolated child, which gets the binary from its
// parent (agentEnv).
var buildDir string

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "firewall-watchdog" {
		os.Exit(standInWatchdog(os.Args[2:]))
	}
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

// standInWatchdog makes the test binary a stand-in for the agent as the
// unit tests' txn starts it (`self firewall-watchdog --state-dir DIR --id
// ID`): the real Watchdog, with the fake backend this binary registers.
func standInWatchdog(args []string) int {
	fs := flag.NewFlagSet("firewall-watchdog", flag.ContinueOnError)
	dir := fs.String("state-dir", "", "")
	id := fs.String("id", "", "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE, syscall.SIGINT)
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := Watchdog(context.Background(), *dir, *id, log); err != nil {
		log.Error("watchdog", "err", err)
		return 1
	}
	return 0
}
