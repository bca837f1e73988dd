// Package labtest gives integration tests a real lab: hosts with their own
// sshd and decoy listeners in network namespaces, torn down after the test.
package labtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// listenArg is the argument that turns the test binary into a decoy
// listener; lab.Up runs `<test binary> ck8s-lab-listen <ports>` in each host.
const listenArg = "ck8s-lab-listen"

// Main serves decoys when the test binary was started as a lab's listener
// and otherwise runs m. Call it from TestMain of every package using New.
func Main(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == listenArg {
		os.Exit(listen(os.Args[2]))
	}
	os.Exit(m.Run())
}

func listen(arg string) int {
	ports, err := lab.ParsePorts(arg)
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		err = lab.ServeDecoys(ctx, ports)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// New brings up a lab of n hosts in a temp dir for t and registers its Down
// in t.Cleanup. It picks a random index in 1..255 (0 is left to the CLI's
// default lab) and retries another on lab.ErrIndexInUse, so test packages
// running in parallel each get their own subnet. Needs root and the lab's
// programs: skips without them, fails under CI=true.
func New(t testing.TB, n int) *lab.Lab {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip", "/usr/sbin/sshd", "unshare", "nsenter", "sudo", "useradd")
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("finding the test binary for the decoy listener: %v", err)
	}
	dir := t.TempDir()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := lab.Down(ctx, dir); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for attempt := 0; attempt < 50; attempt++ {
		l, err := lab.Up(ctx, lab.Options{
			Dir:          dir,
			Hosts:        n,
			Index:        1 + rand.IntN(255),
			ListenerArgv: []string{exe, listenArg},
		})
		if errors.Is(err, lab.ErrIndexInUse) {
			continue
		}
		if err != nil {
			t.Fatalf("lab up: %v", err)
		}
		return l
	}
	t.Fatal("lab up: no free lab index after 50 tries")
	return nil
}

// Options returns the options that bring l up again as New did, for tests
// of Up's idempotence and repair.
func Options(t testing.TB, l *lab.Lab) lab.Options {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return lab.Options{Dir: l.Dir, Hosts: len(l.Hosts), Index: l.Index, ListenerArgv: []string{exe, listenArg}}
}
