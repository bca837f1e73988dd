package host

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/readfile"
)

// An identity file that others can read is what OpenSSH ignores as an
// "UNPROTECTED PRIVATE KEY FILE": the authorized key is not offered (the
// dial fails with ErrAuth saying why), and CheckFiles refuses it upfront.
func TestUnprotectedKeyIsNotUsed(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	c := s.Config("open-key")
	c.AgentSocket = "none"
	if err := os.Chmod(s.KeyFile, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := Dial(t.Context(), c)
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "permissions 0640 are too open") {
		t.Fatalf("want ErrAuth naming the mode, got %v", err)
	}
	if err := c.CheckFiles(); !errors.Is(err, ErrKeyPermissions) || !strings.Contains(err.Error(), s.KeyFile) {
		t.Fatalf("CheckFiles: %v, want ErrKeyPermissions naming %s", err, s.KeyFile)
	}
	os.Chmod(s.KeyFile, 0o600)
	if err := c.CheckFiles(); err != nil {
		t.Fatalf("CheckFiles of a private key: %v", err)
	}
	cl, err := Dial(t.Context(), c)
	if err != nil {
		t.Fatalf("0600 key: %v", err)
	}
	cl.Close()
}

// Files of the wrong kind in a Config fail the dial at once with the
// file named (never a hang on a FIFO or an endless read of /dev/zero).
func TestDialRefusesFilesOfTheWrongKind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := Config{Name: "h", Address: "127.0.0.1", Port: 1, AgentSocket: "none", SSHConfigFile: "none", Retries: -1}
	for name, mod := range map[string]func(*Config){
		"ssh config":  func(c *Config) { c.SSHConfigFile = "/dev/zero" },
		"known hosts": func(c *Config) { c.KnownHostsFile = dir },
	} {
		c := base
		c.IdentityFiles = []string{writeTestKey(t, dir)}
		mod(&c)
		_, err := Dial(t.Context(), c)
		if !errors.Is(err, readfile.ErrNotRegular) {
			t.Errorf("%s: %v, want ErrNotRegular", name, err)
		}
		if err := c.CheckFiles(); !errors.Is(err, readfile.ErrNotRegular) {
			t.Errorf("%s: CheckFiles %v, want ErrNotRegular", name, err)
		}
	}
}

func writeTestKey(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "id_ed25519")
	if _, err := os.Stat(p); err != nil {
		writeKey(t, p, "ed25519", nil)
	}
	return p
}
