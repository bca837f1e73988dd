package host

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

func TestWrongKeyIsErrAuth(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	p := startProxy(t, s.Addr)
	c := s.Config("wrong-key")
	c.Port, c.Retries = p.Port, 3
	c.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	c.AcceptNewHostKeys = true
	wrong := filepath.Join(t.TempDir(), "id_wrong")
	pub := writeKey(t, wrong, "ed25519", nil)
	c.IdentityFiles = []string{wrong, filepath.Join(t.TempDir(), "missing")}

	_, err := Dial(t.Context(), c)
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("want ErrAuth, got %v", err)
	}
	for _, want := range []string{`user "root"`, wrong + " ssh-ed25519 " + Fingerprint(pub), "missing (not found)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	assertNoKeyMaterial(t, err, wrong)
	if n := p.Accepts.Load(); n != 1 || Retryable(err) {
		t.Errorf("auth failure retried: %d connections, Retryable=%v", n, Retryable(err))
	}
}

// assertNoKeyMaterial checks that neither the private key file nor the
// public key blob leaks into err.
func assertNoKeyMaterial(t *testing.T, err error, keyFile string) {
	t.Helper()
	pem, _ := os.ReadFile(keyFile)
	signer, perr := ssh.ParsePrivateKey(pem)
	for _, line := range strings.Split(string(pem), "\n") {
		if len(line) > 20 && strings.Contains(err.Error(), line) {
			t.Errorf("error contains private key material")
		}
	}
	if perr == nil {
		blob := strings.Fields(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))[1]
		if strings.Contains(err.Error(), blob) {
			t.Errorf("error contains the public key blob")
		}
	}
}

func TestEncryptedIdentityFile(t *testing.T) {
	s := startSSHD(t)
	testenv.RequireCommand(t, "ssh-keygen")
	key := filepath.Join(t.TempDir(), "id_encrypted")
	const pass = "correct horse battery"
	// A key as users make them; -a 1 keeps bcrypt_pbkdf fast under -race.
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-a", "1", "-N", pass, "-f", key).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pubBytes, _ := os.ReadFile(key + ".pub")
	pub, _, _, _, err := ssh.ParseAuthorizedKey(pubBytes)
	if err != nil {
		t.Fatal(err)
	}
	s.Authorize(t, pub)
	c := s.Config("encrypted")
	c.IdentityFiles = []string{key}
	c.PassphraseEnv = "CK8S_TEST_SSH_PASSPHRASE"

	t.Run("no passphrase source", func(t *testing.T) {
		t.Setenv(c.PassphraseEnv, "")
		_, err := Dial(t.Context(), c)
		want := "identity file " + key + " is encrypted: set CK8S_TEST_SSH_PASSPHRASE"
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), want) {
			t.Fatalf("want ErrAuth with %q, got %v", want, err)
		}
	})
	t.Run("env", func(t *testing.T) {
		t.Setenv(c.PassphraseEnv, pass)
		dialT(t, c)
	})
	t.Run("wrong passphrase in env", func(t *testing.T) {
		t.Setenv(c.PassphraseEnv, "wrong-secret")
		_, err := Dial(t.Context(), c)
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "cannot decrypt") {
			t.Fatalf("want ErrAuth cannot decrypt, got %v", err)
		}
		if strings.Contains(err.Error(), "wrong-secret") {
			t.Fatal("error contains the passphrase")
		}
	})
	t.Run("prompt", func(t *testing.T) {
		t.Setenv(c.PassphraseEnv, "")
		calls := 0
		c := c
		c.PassphrasePrompt = MemoizePrompt(func(file string) ([]byte, error) {
			calls++
			if file != key {
				t.Errorf("prompt for %q", file)
			}
			return []byte(pass), nil
		})
		dialT(t, c)
		dialT(t, c)
		if calls != 1 {
			t.Errorf("prompted %d times, want 1", calls)
		}
	})
}

// TestAgentKeys serves an in-process ssh-agent holding the only authorized
// key; the identity file offered after it is not authorized.
func TestAgentKeys(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	c := s.Config("agent")
	c.AgentSocket = serveAgent(t, s.KeyFile)
	c.IdentityFiles = []string{filepath.Join(t.TempDir(), "absent")}
	cl := dialT(t, c)
	if out, err := cl.Output(t.Context(), "echo ok"); err != nil || string(out) != "ok\n" {
		t.Fatalf("%q %v", out, err)
	}
}

// serveAgent serves an in-process ssh-agent holding the keys of the
// unencrypted key files, and returns its socket.
func serveAgent(t *testing.T, keyFiles ...string) string {
	t.Helper()
	keyring := agent.NewKeyring()
	for _, f := range keyFiles {
		pem, _ := os.ReadFile(f)
		raw, err := ssh.ParseRawPrivateKey(pem)
		if err != nil {
			t.Fatal(err)
		}
		if err := keyring.Add(agent.AddedKey{PrivateKey: raw}); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() { agent.ServeAgent(keyring, conn); conn.Close() }()
		}
	}()
	return sock
}
