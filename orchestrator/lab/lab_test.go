package lab_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
)

// TestLab runs one two-host lab through everything a user and the other
// packages' tests rely on; one lab for all subtests keeps the run short.
// The subtests run in order and some change the lab (then repair it).
func TestLab(t *testing.T) {
	testenv.RequireCommand(t, "ssh")
	l := labtest.New(t, 2)
	ctx := context.Background()
	h1, h2 := l.Hosts[0], l.Hosts[1]

	t.Run("Login", func(t *testing.T) {
		for _, c := range []struct {
			h    lab.Host
			user string
			addr netip.Addr
		}{
			{h1, "root", h1.Addr4}, {h1, "root", h1.Addr6},
			{h1, l.SudoUser, h1.Addr4}, {h1, l.SudoUser, h1.Addr6},
			{h2, "root", h2.Addr6}, {h2, l.SudoUser, h2.Addr4},
		} {
			want := c.user + " " + c.h.Name // hostname: each host has its own UTS namespace
			if out := mustSSH(t, l, c.user, c.addr, "echo $(id -un) $(hostname)"); out != want {
				t.Errorf("%s@%s: got %q, want %q", c.user, c.addr, out, want)
			}
		}
	})
	t.Run("Sudo", func(t *testing.T) {
		if out := mustSSH(t, l, l.SudoUser, h1.Addr4, "sudo -n id -u"); out != "0" {
			t.Errorf("sudo -n as %s: %q", l.SudoUser, out)
		}
		start := time.Now()
		out, err := ssh(l, l.PasswordSudoUser, h1.Addr4, "sudo -n true")
		if err == nil || !strings.Contains(out, "password is required") {
			t.Errorf("sudo -n as %s: err %v, output %q; want a password-required failure", l.PasswordSudoUser, err, out)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("sudo -n took %v to fail", d)
		}
	})
	t.Run("PasswordRefused", func(t *testing.T) {
		cmd := exec.Command("ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile="+l.KnownHostsFile,
			"-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
			"-o", "PreferredAuthentications=password,keyboard-interactive", "-l", l.SudoUser, h1.Addr4.String(), "true")
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "Permission denied (publickey)") {
			t.Errorf("password login: err %v, output %q; want only publickey offered", err, out)
		}
	})
	t.Run("StateIsolated", func(t *testing.T) {
		// /etc too: the firewall persists its rules there.
		for _, f := range []string{"/var/lib/ck8s/x", "/etc/ck8s-lab-x"} {
			mustSSH(t, l, l.SudoUser, h1.Addr4, "echo one | sudo -n tee "+f)
			mustSSH(t, l, "root", h2.Addr4, "echo two > "+f)
			for _, tc := range []struct {
				h    lab.Host
				want string
			}{{h1, "one"}, {h2, "two"}} {
				out, err := l.Exec(ctx, tc.h, "cat", f)
				if err != nil || strings.TrimSpace(string(out)) != tc.want {
					t.Errorf("%s on %s = %q, %v; want %q", f, tc.h.Name, out, err, tc.want)
				}
			}
			if _, err := os.Stat(f); err == nil {
				t.Errorf("%s leaked into the root namespace", f)
			}
		}
		// The overlay keeps the per-namespace files ip netns exec provides.
		if out, err := l.Exec(ctx, h1, "cat", "/etc/hosts"); err != nil || !strings.Contains(string(out), h1.Name) {
			t.Errorf("/etc/hosts on %s = %q, %v; want the lab's own", h1.Name, out, err)
		}
		if out, err := l.Exec(ctx, h1, "hostname"); err != nil || strings.TrimSpace(string(out)) != h1.Name {
			t.Errorf("Exec hostname = %q, %v", out, err)
		}
	})
	t.Run("Decoys", func(t *testing.T) { checkDecoys(t, h2) })
	t.Run("Status", func(t *testing.T) { checkHealthy(t, l) })
	t.Run("UpIdempotent", func(t *testing.T) {
		before := snapshot(t, l)
		l2, err := lab.Up(ctx, labtest.Options(t, l))
		if err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, l2); after != before {
			t.Errorf("second Up changed the lab:\nbefore %s\nafter  %s", before, after)
		}
	})
	t.Run("RestartsKilledSSHD", func(t *testing.T) {
		pid := pidOf(t, l, h2, "sshd")
		if err := exec.Command("kill", "-KILL", strconv.Itoa(pid)).Run(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "sshd to die", func() bool { _, st := status(t, l); return !st[1].SSHD })
		if _, err := lab.Up(ctx, labtest.Options(t, l)); err != nil {
			t.Fatal(err)
		}
		if p := pidOf(t, l, h2, "sshd"); p == pid {
			t.Errorf("sshd pid %d unchanged", p)
		}
		mustSSH(t, l, "root", h2.Addr4, "true") // same host key: known_hosts still valid
		checkHealthy(t, l)
	})
	t.Run("RepairsDeletedVeth", func(t *testing.T) {
		if out, err := exec.Command("ip", "link", "del", fmt.Sprintf("ck8s%dv2", l.Index)).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if _, err := lab.Up(ctx, labtest.Options(t, l)); err != nil {
			t.Fatal(err)
		}
		mustSSH(t, l, "root", h2.Addr6, "true")
		checkHealthy(t, l)
	})
	t.Run("RepairsDeletedNetns", func(t *testing.T) {
		// Its sshd lives on in the orphaned namespace and must be replaced.
		if out, err := exec.Command("ip", "netns", "del", h2.NetNS).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if _, err := lab.Up(ctx, labtest.Options(t, l)); err != nil {
			t.Fatal(err)
		}
		mustSSH(t, l, "root", h2.Addr4, "true")
		checkHealthy(t, l)
	})
	t.Run("SetLinkDown", func(t *testing.T) {
		if err := l.SetLinkDown(h1, true); err != nil {
			t.Fatal(err)
		}
		_, st := status(t, l)
		if err := l.SetLinkDown(h1, false); err != nil {
			t.Fatal(err)
		}
		if st[0].SSHReachable || !st[0].SSHD || !st[1].SSHReachable {
			t.Errorf("with lab-1's link down: %+v", st)
		}
		mustSSH(t, l, "root", h1.Addr4, "true")
	})
	t.Run("StopStartSSHD", func(t *testing.T) {
		if err := l.StopHostSSHD(h1); err != nil {
			t.Fatal(err)
		}
		if _, st := status(t, l); st[0].SSHD || st[0].SSHReachable {
			t.Errorf("after StopHostSSHD: %+v", st[0])
		}
		if out, err := l.Exec(ctx, h1, "cat", "/var/lib/ck8s/x"); err != nil || !bytes.Contains(out, []byte("one")) {
			t.Errorf("Exec without sshd: %q, %v", out, err)
		}
		if err := l.StartHostSSHD(ctx, h1); err != nil {
			t.Fatal(err)
		}
		mustSSH(t, l, "root", h1.Addr4, "true")
	})
	t.Run("Down", func(t *testing.T) { checkDown(t, l) })
}

// checkDown leaves a session process behind on purpose: Down must stop it
// too, or the namespace would outlive the lab.
func checkDown(t *testing.T, l *lab.Lab) {
	mustSSH(t, l, "root", l.Hosts[0].Addr4, "setsid sleep 4242.5 </dev/null >/dev/null 2>&1 &")
	pids := map[string]int{}
	for _, h := range l.Hosts {
		pids[h.Name+" sshd"], pids[h.Name+" decoys"] = pidOf(t, l, h, "sshd"), pidOf(t, l, h, "decoys")
	}
	start := time.Now()
	if err := lab.Down(context.Background(), l.Dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("down in %v", time.Since(start))
	for what, pid := range pids {
		if running(pid) {
			t.Errorf("%s (pid %d) still running", what, pid)
		}
	}
	checkGone(t, l, "4242.5")
	if err := lab.Down(context.Background(), l.Dir); err != nil {
		t.Errorf("second Down: %v", err)
	}
}
