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
// dnsArg turns it into the lab's DNS server: `<test binary> ck8s-lab-dns
// <zone file>`.
const (
	listenArg = "ck8s-lab-listen"
	dnsArg    = "ck8s-lab-dns"
)

// Main serves decoys or the lab's DNS when the test binary was started as
// a lab's listener or DNS server, and otherwise runs m. Call it from
// TestMain of every package using New. It also understands ck8sctl's own
// hidden commands (`lab listen PORTS`, `lab dns FILE`), so a test can run
// `ck8sctl lab up` in process: the lab then starts the test binary.
func Main(m *testing.M) {
	args := os.Args[1:]
	if len(args) == 3 && args[0] == "lab" {
		args = []string{map[string]string{"listen": listenArg, "dns": dnsArg}[args[1]], args[2]}
	}
	if len(args) == 2 && (args[0] == listenArg || args[0] == dnsArg) {
		os.Exit(serve(args[0], args[1]))
	}
	os.Exit(m.Run())
}

func serve(what, arg string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var err error
	if what == dnsArg {
		err = lab.ServeDNS(ctx, arg)
	} else if ports, perr := lab.ParsePorts(arg); perr != nil {
		err = perr
	} else {
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
	return NewWith(t, n, nil)
}

// NewWith is New with options adjusted by edit (called with the chosen
// Index set, so it can use lab.Gateways): for example a resolv.conf, or
// WithDNS.
func NewWith(t testing.TB, n int, edit func(*lab.Options)) *lab.Lab {
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
		o := lab.Options{
			Dir:          dir,
			Hosts:        n,
			Index:        1 + rand.IntN(255),
			ListenerArgv: []string{exe, listenArg},
		}
		if edit != nil {
			edit(&o)
		}
		l, err := lab.Up(ctx, o)
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

// WithDNS is an edit for NewWith: the lab runs its own DNS server, as
// `ck8sctl lab up` does (hosts resolve through it; the playbook names it).
func WithDNS(o *lab.Options) {
	if exe, err := os.Executable(); err == nil {
		o.DNSArgv = []string{exe, dnsArg}
	}
}

// Options returns the options that bring l up again as New did, for tests
// of Up's idempotence and repair.
func Options(t testing.TB, l *lab.Lab) lab.Options {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	o := lab.Options{Dir: l.Dir, Hosts: len(l.Hosts), Index: l.Index, ListenerArgv: []string{exe, listenArg}}
	if len(l.Nameservers) > 0 {
		o.DNSArgv = []string{exe, dnsArg}
	}
	return o
}
