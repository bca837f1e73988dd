package host

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func writeSSHConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ssh_config")
	writeFile(t, path, content)
	return path
}

func TestResolveSSHConfig(t *testing.T) {
	t.Parallel()
	home, _ := os.UserHomeDir()
	cfg := writeSSHConfig(t, `
Host web*
  HostName 198.18.0.%h-ignored
Host web1
  Port 2222
Host web1 web2
  User deploy
  IdentityFile ~/.ssh/web_key
  ProxyJump admin@bastion:2200,[2001:db8::7]:22
Host bastion
  HostName 198.18.0.1
Host *
  User fallback
`)
	c, err := Config{Name: "n", Address: "web1", Port: 22022, IdentityFiles: []string{"/explicit"},
		SSHConfigFile: cfg, KnownHostsFile: "/kh"}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	// First match wins per keyword, as in ssh; explicit fields win over all.
	if c.Address != "198.18.0.web1-ignored" || c.Port != 22022 || c.User != "deploy" {
		t.Errorf("got %s:%d user %s", c.Address, c.Port, c.User)
	}
	if want := []string{"/explicit", home + "/.ssh/web_key"}; !slices.Equal(c.IdentityFiles, want) {
		t.Errorf("IdentityFiles = %v, want %v", c.IdentityFiles, want)
	}
	// ProxyJump a,b: the target goes through b, b through a.
	hop2 := c.Jump
	if hop2 == nil || hop2.Address != "2001:db8::7" || hop2.Port != 22 || hop2.User != "fallback" || hop2.KnownHostsFile != "/kh" {
		t.Fatalf("last hop = %+v", hop2)
	}
	hop1 := hop2.Jump
	if hop1 == nil || hop1.Address != "198.18.0.1" || hop1.Port != 2200 || hop1.User != "admin" || hop1.Jump != nil {
		t.Fatalf("first hop = %+v", hop1)
	}
	if !slices.Equal(hop1.IdentityFiles, []string{"/explicit"}) {
		t.Errorf("hop IdentityFiles = %v, want the target's explicit ones", hop1.IdentityFiles)
	}
	if got := c.String(); got != "n (deploy@198.18.0.web1-ignored:22022)" {
		t.Errorf("String() = %q", got)
	}
}

func TestResolveDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	cfg := writeSSHConfig(t, "Host h\n  ProxyJump j\n  User u\n")
	jump := &Config{Address: "explicit-jump"}
	c, err := Config{Address: "h", User: "me", Jump: jump, SSHConfigFile: cfg, Retries: -1}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if c.User != "me" || c.Port != 22 || c.Jump.Address != "explicit-jump" || c.Jump.Jump != nil {
		t.Errorf("explicit fields must win: %+v", c)
	}
	if c.ConnectTimeout != 10*time.Second || c.KeepAlive != 15*time.Second || c.Retries != 0 || c.PassphraseEnv != "CK8S_SSH_PASSPHRASE" {
		t.Errorf("defaults: %+v", c)
	}

	c, _ = Config{Address: "h", SSHConfigFile: writeSSHConfig(t, "Host h\n  ProxyJump none\n")}.resolve()
	if c.Jump != nil {
		t.Error("ProxyJump none made a hop")
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	loop := writeSSHConfig(t, "Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n")
	for name, c := range map[string]Config{
		"loop":         {Address: "a", SSHConfigFile: loop},
		"missing file": {Address: "a", SSHConfigFile: "/nonexistent/ssh_config"},
		"bad port":     {Address: "a", SSHConfigFile: writeSSHConfig(t, "Host a\n  Port x\n")},
		"no address":   {SSHConfigFile: "none"},
	} {
		if _, err := c.resolve(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseHop(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"host":               "@host:0",
		"u@host:2222":        "u@host:2222",
		"ssh://u@host:2222":  "u@host:2222",
		"[2001:db8::1]:2222": "@2001:db8::1:2222",
		"u@2001:db8::1":      "u@2001:db8::1:0",
		"u@[2001:db8::1]":    "u@2001:db8::1:0",
		"a@b@198.18.0.1":     "a@b@198.18.0.1:0",
	} {
		h, err := parseHop(in)
		if got := fmt.Sprintf("%s@%s:%d", h.User, h.Address, h.Port); err != nil || got != want {
			t.Errorf("parseHop(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestDialThroughSSHConfigAlias(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	c := s.Config("aliased")
	c.Address, c.Port, c.User, c.IdentityFiles = "myalias", 0, "", nil
	c.SSHConfigFile = writeSSHConfig(t, fmt.Sprintf("Host myalias\n  HostName 127.0.0.1\n  Port %d\n  User root\n  IdentityFile %s\n", s.Port, s.KeyFile))
	cl := dialT(t, c)
	if got, want := cl.String(), "aliased (root@"+s.Addr+")"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// Jump hosts on loopback: the target is the same sshd, reached through a
// direct-tcpip channel of the jump connection.
func TestProxyJumpLocal(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	viaConfig := s.Config("target")
	viaConfig.Address = "target"
	viaConfig.Port = 0
	viaConfig.SSHConfigFile = writeSSHConfig(t, fmt.Sprintf(`Host target
  HostName 127.0.0.1
  Port %d
  ProxyJump root@127.0.0.1:%d
`, s.Port, s.Port))
	viaField := s.Config("target")
	viaField.Jump = &Config{Name: "bastion", Address: "127.0.0.1", Port: s.Port, User: "root"}

	for name, c := range map[string]Config{"ssh_config": viaConfig, "Config.Jump": viaField} {
		t.Run(name, func(t *testing.T) {
			cl := dialT(t, c)
			if cl.jump == nil {
				t.Fatal("no jump client")
			}
			if out, err := cl.Output(t.Context(), "echo via jump"); err != nil || string(out) != "via jump\n" {
				t.Fatalf("%q %v", out, err)
			}
			// Losing the jump connection loses the target.
			cl.jump.ssh.Close()
			select {
			case <-cl.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("target still alive without its jump host")
			}
			if !strings.Contains(cl.Err().Error(), "connection lost") {
				t.Errorf("Err() = %v", cl.Err())
			}
		})
	}
}
