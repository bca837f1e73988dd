package host

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/testenv"

	"golang.org/x/crypto/ssh/knownhosts"
)

// ProxyCommand from ssh_config: the test binary, re-run as a stdio↔TCP
// relay, carries the SSH connection to sshd. %h %p %r are expanded, the
// use is logged with the command's name only, and closing the client
// ends the command.
func TestProxyCommand(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	relayLog := filepath.Join(t.TempDir(), "relay.log")
	var logs testenv.Buffer
	c := s.Config("proxied")
	c.Address, c.Port, c.User = "proxied", 0, ""
	c.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	c.AcceptNewHostKeys = true
	c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	c.SSHConfigFile = writeSSHConfig(t, fmt.Sprintf(`Host proxied
  HostName proxied.example.test
  Port 2222
  User root
  ProxyCommand %s %s %s %s --secret-arg %%h %%p %%r
`, exe, relayArg, s.Addr, relayLog))

	cl := dialT(t, c)
	if out, err := cl.Output(t.Context(), "echo through the proxy"); err != nil || string(out) != "through the proxy\n" {
		t.Fatalf("%q %v", out, err)
	}
	b, _ := os.ReadFile(relayLog)
	pid, args, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	if args != "--secret-arg proxied.example.test 2222 root" {
		t.Errorf("relay got %q, want the expanded %%h %%p %%r", args)
	}
	// The key is known under the name and port ssh would use.
	kh, _ := os.ReadFile(c.KnownHostsFile)
	if want := knownhosts.Line([]string{"proxied.example.test:2222"}, s.HostKeys[0]); strings.TrimSpace(string(kh)) != want {
		t.Errorf("known_hosts = %q, want %q", kh, want)
	}
	if out := logs.String(); !strings.Contains(out, "ProxyCommand") || !strings.Contains(out, "command="+filepath.Base(exe)) || strings.Contains(out, "secret-arg") {
		t.Errorf("log must name the command only:\n%s", out)
	}

	cl.Close()
	n, _ := strconv.Atoi(pid)
	if err := syscall.Kill(n, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("relay pid %d still there after Close: %v", n, err)
	}
}

// A ProxyCommand that cannot connect: the dial fails as unreachable, and
// the error carries what the command said.
func TestProxyCommandFails(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Name: "dead", Address: "198.18.0.1", User: "root", Retries: -1, AgentSocket: "none",
		SSHConfigFile: "none", KnownHostsFile: filepath.Join(t.TempDir(), "kh"), ConnectTimeout: 5 * time.Second,
		IdentityFiles: []string{writeTestKey(t, t.TempDir())},
		ProxyCommand:  fmt.Sprintf("%s %s 127.0.0.1:%d %s", exe, relayArg, freePort(t), filepath.Join(t.TempDir(), "log")),
	}
	start := time.Now()
	_, err = Dial(t.Context(), c)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("want ErrUnreachable with the relay's stderr, got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
}
