package host

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// testSSHD is a real OpenSSH sshd on 127.0.0.1 with its own host keys,
// config and authorized_keys in a temp dir: key-only, root allowed.
type testSSHD struct {
	Addr       string // 127.0.0.1:port
	Port       int
	Dir        string
	HostKeys   []ssh.PublicKey
	KnownHosts string // a known_hosts file with all host keys
	KeyFile    string // authorized ed25519 client key, unencrypted
}

const sshdPath = "/usr/sbin/sshd"

// startSSHD starts sshd with one host key per type ("ed25519", "ecdsa").
func startSSHD(t testing.TB, hostKeyTypes ...string) *testSSHD {
	t.Helper()
	return startSSHDWith(t, nil, hostKeyTypes...)
}

// startSSHDWith is startSSHD with more sshd_config lines, which extra
// returns once the host keys are written (e.g. a HostCertificate for one).
func startSSHDWith(t testing.TB, extra func(s *testSSHD, hostKeyFiles []string) []string, hostKeyTypes ...string) *testSSHD {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, sshdPath)
	if len(hostKeyTypes) == 0 {
		hostKeyTypes = []string{"ed25519"}
	}
	s := &testSSHD{Dir: t.TempDir()}
	var hostKeyLines, hostKeyFiles []string
	for _, typ := range hostKeyTypes {
		path := filepath.Join(s.Dir, "ssh_host_"+typ+"_key")
		s.HostKeys = append(s.HostKeys, writeKey(t, path, typ, nil))
		hostKeyLines = append(hostKeyLines, "HostKey "+path)
		hostKeyFiles = append(hostKeyFiles, path)
	}
	if extra != nil {
		hostKeyLines = append(hostKeyLines, extra(s, hostKeyFiles)...)
	}
	s.KeyFile = filepath.Join(s.Dir, "id_ed25519")
	s.Authorize(t, writeKey(t, s.KeyFile, "ed25519", nil))
	// sshd insists on its privilege separation directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for range 3 { // the free port may be taken before sshd binds it
		if lastErr = s.start(t, hostKeyLines); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatal(lastErr)
	}
	s.KnownHosts = filepath.Join(s.Dir, "known_hosts")
	var lines []string
	for _, k := range s.HostKeys {
		lines = append(lines, knownhosts.Line([]string{s.Addr}, k))
	}
	writeFile(t, s.KnownHosts, strings.Join(lines, "\n")+"\n")
	return s
}

func (s *testSSHD) start(t testing.TB, hostKeyLines []string) error {
	s.Port = freePort(t)
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
	cfg := filepath.Join(s.Dir, "sshd_config")
	writeFile(t, cfg, fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
%s
PidFile %s/sshd.pid
AuthorizedKeysFile %s/authorized_keys
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
AllowTcpForwarding yes
Subsystem sftp internal-sftp
MaxStartups 100
MaxSessions 100
LogLevel VERBOSE
# bash sources ~/.bashrc for ssh commands; keep the machine's (which may
# be slow: pyenv init) out of every test command.
SetEnv HOME=%s
`, s.Port, strings.Join(hostKeyLines, "\n"), s.Dir, s.Dir, s.Dir))
	logs := &testenv.Buffer{}
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", cfg)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("sshd log:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			return fmt.Errorf("sshd exited: %s", logs.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("sshd did not listen on %s: %s", s.Addr, logs.String())
}

// Authorize adds a client key to authorized_keys.
func (s *testSSHD) Authorize(t testing.TB, k ssh.PublicKey) {
	f, err := os.OpenFile(filepath.Join(s.Dir, "authorized_keys"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(ssh.MarshalAuthorizedKey(k))
}

// Config is a Config for this sshd, strict, with nothing from the
// environment (no ssh_config, no agent).
func (s *testSSHD) Config(name string) Config {
	return Config{
		Name: name, Address: "127.0.0.1", Port: s.Port, User: "root",
		IdentityFiles: []string{s.KeyFile}, KnownHostsFile: s.KnownHosts,
		SSHConfigFile: "none", AgentSocket: "none",
		ConnectTimeout: 5 * time.Second,
	}
}

// ConfigVia is Config through proxy p, with a fresh known_hosts that
// records the host key on first use (known under the proxy's port).
func (s *testSSHD) ConfigVia(t testing.TB, p *testProxy, name string) Config {
	c := s.Config(name)
	c.Port = p.Port
	c.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	c.AcceptNewHostKeys = true
	return c
}

// writeKey writes a new private key of type typ (encrypted when pass is set)
// and returns its public key.
func writeKey(t testing.TB, path, typ string, pass []byte) ssh.PublicKey {
	t.Helper()
	var priv crypto.Signer
	switch typ {
	case "ed25519":
		_, priv, _ = ed25519.GenerateKey(rand.Reader)
	case "ecdsa":
		priv, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		t.Fatalf("key type %q", typ)
	}
	var block *pem.Block
	var err error
	if pass != nil {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", pass)
	} else {
		block, err = ssh.MarshalPrivateKey(priv, "test")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
