package host

import (
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// IdentitiesOnly yes in ssh_config: the agent's keys are not offered,
// except as the stand-in for a configured identity file (found by its
// .pub), which is how an encrypted key loaded in the agent is used.
func TestIdentitiesOnly(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	dir := t.TempDir()
	other := filepath.Join(dir, "other")
	writeKey(t, other, "ed25519", nil) // not authorized
	sock := serveAgent(t, s.KeyFile)   // the agent holds the authorized key

	c := s.Config("only")
	c.AgentSocket, c.IdentityFiles = sock, []string{other}
	c.SSHConfigFile = writeSSHConfig(t, "Host 127.0.0.1\n  IdentitiesOnly yes\n")
	_, err := Dial(t.Context(), c)
	if !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), "offered: agent") || !strings.Contains(err.Error(), "1 ssh-agent key(s) not among the identity files") {
		t.Fatalf("want ErrAuth offering only %s, got %v", other, err)
	}

	// The authorized key, encrypted on disk with no passphrase at hand,
	// and loaded in the agent: the agent signs for it.
	encrypted := filepath.Join(dir, "encrypted")
	pub := writeKey(t, encrypted, "ed25519", []byte("pass"))
	s.Authorize(t, pub)
	agentSock := serveAgent(t, s.KeyFile, decryptedCopy(t, encrypted, "pass"))
	c.AgentSocket, c.IdentityFiles = agentSock, []string{encrypted}
	writeFile(t, encrypted+".pub", string(ssh.MarshalAuthorizedKey(pub)))
	dialT(t, c).Close()

	c.SSHConfigFile = "none" // without IdentitiesOnly every agent key counts
	c.AgentSocket, c.IdentityFiles = sock, []string{other}
	dialT(t, c).Close()
}

// decryptedCopy writes an unencrypted copy of an encrypted key file, for
// loading into the test agent.
func decryptedCopy(t *testing.T, file, pass string) string {
	t.Helper()
	data, _ := os.ReadFile(file)
	raw, err := ssh.ParseRawPrivateKeyWithPassphrase(data, []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(raw, "copy")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "plain")
	writeFile(t, out, string(pem.EncodeToMemory(block)))
	return out
}
