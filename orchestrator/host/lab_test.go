package host

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// labConfig reaches h at addr as user with the lab's key and known_hosts.
func labConfig(l *lab.Lab, h lab.Host, addr netip.Addr, user string) Config {
	return Config{
		Name: h.Name, Address: addr.String(), Port: h.Port, User: user,
		IdentityFiles: []string{l.KeyFile}, KnownHostsFile: l.KnownHostsFile,
		SSHConfigFile: "none", AgentSocket: "none", ConnectTimeout: 5 * time.Second,
	}
}

// TestLab dials real sshds in network namespaces. One 4-host lab serves all
// subtests: lab-1 and lab-2 stay healthy, lab-3 and lab-4 get their links
// taken down.
func TestLab(t *testing.T) {
	l := labtest.New(t, 4)
	h1, h2 := l.Hosts[0], l.Hosts[1]
	ctx := context.Background()

	t.Run("IPv4 and IPv6", func(t *testing.T) {
		t.Parallel()
		for _, a := range []netip.Addr{h1.Addr4, h1.Addr6} {
			cl := dialT(t, labConfig(l, h1, a, l.SudoUser))
			out, err := cl.Output(t.Context(), "hostname; echo $SSH_CONNECTION")
			if err != nil || !strings.HasPrefix(string(out), h1.Name+"\n") || !strings.Contains(string(out), " "+a.String()+" ") {
				t.Errorf("%s: %q %v", a, out, err)
			}
		}
	})

	t.Run("unknown host refused, then recorded", func(t *testing.T) {
		t.Parallel()
		c := labConfig(l, h1, h1.Addr6, l.SudoUser)
		c.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
		if _, err := Dial(ctx, c); !errors.Is(err, ErrHostKeyUnknown) {
			t.Fatalf("want ErrHostKeyUnknown, got %v", err)
		}
		c.AcceptNewHostKeys = true
		dialT(t, c).Close()
		key, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(h1.HostKeyPub))
		got, _ := os.ReadFile(c.KnownHostsFile)
		if want := h1.Addr6.String() + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))) + "\n"; string(got) != want {
			t.Errorf("known_hosts = %q, want %q", got, want)
		}
		c.AcceptNewHostKeys = false
		dialT(t, c)
	})

	t.Run("changed key refused, nothing run", func(t *testing.T) {
		t.Parallel()
		c := labConfig(l, h1, h1.Addr4, l.SudoUser)
		c.Sudo = true // Dial would run `sudo -n true`: it must not get that far
		c.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
		other := writeKey(t, filepath.Join(t.TempDir(), "impostor"), "ed25519", nil)
		writeFile(t, c.KnownHostsFile, knownhosts.Line([]string{h1.Addr4.String()}, other)+"\n")
		marker := fmt.Sprintf("/var/lib/ck8s/marker-%d", time.Now().UnixNano())
		cl, err := Dial(ctx, c)
		if err == nil {
			cl.Run(ctx, "touch "+marker, nil, nil, nil)
			cl.Close()
		}
		var hkc *HostKeyChangedError
		if !errors.As(err, &hkc) {
			t.Fatalf("want *HostKeyChangedError, got %v", err)
		}
		key, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(h1.HostKeyPub))
		for _, fp := range []string{Fingerprint(other), Fingerprint(key)} {
			if !strings.Contains(err.Error(), fp) {
				t.Errorf("error %q lacks %s", err, fp)
			}
		}
		if out, err := l.Exec(ctx, h1, "ls", marker); err == nil {
			t.Errorf("marker command ran: %s", out)
		}
	})

	t.Run("wrong key", func(t *testing.T) {
		t.Parallel()
		c := labConfig(l, h1, h1.Addr4, "root")
		c.IdentityFiles = []string{filepath.Join(t.TempDir(), "id_other")}
		writeKey(t, c.IdentityFiles[0], "ed25519", nil)
		if _, err := Dial(ctx, c); !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), c.IdentityFiles[0]) {
			t.Fatalf("want ErrAuth naming the key, got %v", err)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		unused := netip.AddrFrom4([4]byte{198, 18, byte(l.Index), 250})
		c := labConfig(l, h1, unused, l.SudoUser)
		c.Name, c.ConnectTimeout, c.Retries = "nobody-home", time.Second, 1

		healthy := make(chan time.Duration, 1)
		go func() {
			start := time.Now()
			if cl, err := Dial(ctx, labConfig(l, h2, h2.Addr4, l.SudoUser)); err != nil {
				t.Error(err)
			} else {
				cl.Close()
			}
			healthy <- time.Since(start)
		}()
		start := time.Now()
		_, err := Dial(ctx, c)
		took := time.Since(start)
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), unused.String()) || !strings.Contains(err.Error(), "connect timeout 1s") {
			t.Fatalf("want ErrUnreachable naming address and timeout, got %v", err)
		}
		if limit := c.ConnectTimeout*time.Duration(c.Retries+1) + 8*time.Second; took > limit {
			t.Errorf("took %s, want < %s", took, limit)
		}
		if d := <-healthy; d > 10*time.Second {
			t.Errorf("healthy dial alongside took %s", d)
		}
	})

	t.Run("link down", func(t *testing.T) {
		t.Parallel()
		h3 := l.Hosts[2]
		if err := l.SetLinkDown(h3, true); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.SetLinkDown(h3, false) })
		c := labConfig(l, h3, h3.Addr4, l.SudoUser)
		c.ConnectTimeout, c.Retries = time.Second, 1
		start := time.Now()
		if _, err := Dial(ctx, c); !errors.Is(err, ErrUnreachable) {
			t.Fatalf("want ErrUnreachable, got %v", err)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("took %s", took)
		}
	})

	t.Run("sudo", func(t *testing.T) {
		t.Parallel()
		c := labConfig(l, h1, h1.Addr4, l.SudoUser)
		plain := dialT(t, c)
		c.Sudo = true
		sudo := dialT(t, c)
		if out, err := plain.Output(ctx, "id -u"); err != nil || string(out) == "0\n" {
			t.Errorf("without sudo: %q %v", out, err)
		}
		if out, err := sudo.Output(ctx, "id -u; echo $((1+1)) | cat"); err != nil || string(out) != "0\n2\n" {
			t.Errorf("with sudo: %q %v", out, err)
		}
	})

	t.Run("password sudo fails fast", func(t *testing.T) {
		t.Parallel()
		c := labConfig(l, h1, h1.Addr4, l.PasswordSudoUser)
		c.Sudo = true
		start := time.Now()
		_, err := Dial(ctx, c)
		if !errors.Is(err, ErrSudoPassword) || Retryable(err) {
			t.Fatalf("want ErrSudoPassword, got %v", err)
		}
		for _, want := range []string{l.PasswordSudoUser, h1.Addr4.String(), "NOPASSWD"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("took %s", d)
		}
	})

	t.Run("sftp writes as the effective user", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			user      string
			sudo      bool
			wantOwner string
		}{
			{"root", false, "root"},
			{l.SudoUser, true, "root"},
			{l.SudoUser, false, l.SudoUser},
		} {
			c := labConfig(l, h1, h1.Addr4, tc.user)
			c.Sudo = tc.sudo
			cl := dialT(t, c)
			sc, err := cl.SFTP(ctx)
			if err != nil {
				t.Fatalf("%s sudo=%v: %v", tc.user, tc.sudo, err)
			}
			dir := "/tmp"
			if tc.wantOwner == "root" {
				dir = "/var/lib/ck8s" // root-only: proves the write was privileged
			}
			path := fmt.Sprintf("%s/sftp-%s-%v-%d", dir, tc.user, tc.sudo, time.Now().UnixNano())
			f, err := sc.Create(path)
			if err != nil {
				t.Fatalf("%s sudo=%v: create: %v", tc.user, tc.sudo, err)
			}
			f.Write([]byte("x"))
			f.Close()
			sc.Close()
			out, err := l.Exec(ctx, h1, "stat", "-c", "%U", path)
			if err != nil || strings.TrimSpace(string(out)) != tc.wantOwner {
				t.Errorf("%s sudo=%v: owner %q %v, want %s", tc.user, tc.sudo, out, err, tc.wantOwner)
			}
			l.Exec(ctx, h1, "rm", "-f", path)
		}
	})

	t.Run("proxy jump", func(t *testing.T) {
		t.Parallel()
		viaField := labConfig(l, h2, h2.Addr4, l.SudoUser)
		jump := labConfig(l, h1, h1.Addr4, l.SudoUser)
		viaField.Jump = &jump
		viaConfig := labConfig(l, h2, h2.Addr4, l.SudoUser)
		viaConfig.Address, viaConfig.SSHConfigFile = "target", writeSSHConfig(t, fmt.Sprintf(
			"Host target\n  HostName %s\n  ProxyJump %s@[%s]:%d\n", h2.Addr4, l.SudoUser, h1.Addr6, h1.Port))
		for name, c := range map[string]Config{"Config.Jump": viaField, "ssh_config": viaConfig} {
			cl := dialT(t, c)
			out, err := cl.Output(ctx, "hostname; echo $SSH_CLIENT")
			// lab-2 sees the connection coming from lab-1's address.
			if err != nil || !strings.HasPrefix(string(out), h2.Name+"\n"+h1.Addr4.String()+" ") {
				t.Errorf("%s: %q %v", name, out, err)
			}
		}
	})

	t.Run("encrypted identity file", func(t *testing.T) {
		t.Parallel()
		key := filepath.Join(t.TempDir(), "id_encrypted")
		b, _ := os.ReadFile(l.KeyFile)
		writeFile(t, key, string(b))
		if out, err := exec.Command("ssh-keygen", "-q", "-p", "-a", "1", "-P", "", "-N", "s3cret", "-f", key).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen -p: %v %s", err, out)
		}
		c := labConfig(l, h1, h1.Addr4, l.SudoUser)
		c.IdentityFiles = []string{key}
		c.PassphraseEnv = "CK8S_TEST_LAB_PASSPHRASE" // own name: t.Setenv is not for parallel tests
		if _, err := Dial(ctx, c); !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "is encrypted: set "+c.PassphraseEnv) {
			t.Fatalf("without passphrase: %v", err)
		}
		os.Setenv(c.PassphraseEnv, "s3cret")
		t.Cleanup(func() { os.Unsetenv(c.PassphraseEnv) })
		dialT(t, c)
	})

	t.Run("cancel signals the command", func(t *testing.T) {
		t.Parallel()
		for _, sudo := range []bool{false, true} {
			c := labConfig(l, h2, h2.Addr4, l.SudoUser)
			c.Sudo = sudo
			cl := dialT(t, c)
			marker := fmt.Sprintf("sleep 3%d.7", time.Now().UnixNano()%1000)
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			// sudo relays the signal to the command it runs, not to that
			// command's children: hence exec.
			cmd := "echo started; exec " + marker
			go func() {
				done <- cl.Run(runCtx, cmd, nil, writerFunc(func(p []byte) (int, error) { cancel(); return len(p), nil }), nil)
			}()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("sudo=%v: Run = %v", sudo, err)
			}
			pattern := strings.Replace(marker, ".", "[.]", 1) // never matches pgrep's own command line
			var out []byte
			for range 50 {
				if out, _ = l.Exec(ctx, h2, "pgrep", "-f", pattern); len(out) == 0 {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if len(out) != 0 {
				t.Errorf("sudo=%v: %q still running: %s", sudo, marker, out)
			}
		}
	})

	t.Run("keepalive notices a dead peer", func(t *testing.T) {
		t.Parallel()
		h4 := l.Hosts[3]
		c := labConfig(l, h4, h4.Addr4, l.SudoUser)
		c.KeepAlive = 300 * time.Millisecond
		cl := dialT(t, c)
		ran := make(chan error, 1)
		go func() { ran <- cl.Run(ctx, "sleep 60", nil, nil, nil) }()
		time.Sleep(time.Second)
		if err := l.SetLinkDown(h4, true); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.SetLinkDown(h4, false) })
		start := time.Now()
		select {
		case <-cl.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("Done did not fire")
		}
		if d := time.Since(start); d > 4*c.KeepAlive+2*time.Second {
			t.Errorf("noticed after %s", d)
		}
		if err := <-ran; !errors.Is(err, ErrConnectionLost) {
			t.Errorf("Run in flight = %v", err)
		}
	})
}
