package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSSHConfigTrustExit2: an ssh_config that switches host key checking
// off, or names a known_hosts file of the wrong kind, is bad input: exit 2
// naming the option and file:line, before any host is contacted or any run
// recorded.
func TestSSHConfigTrustExit2(t *testing.T) {
	f := newInputFiles(t)
	pb := filepath.Join(t.TempDir(), "playbook.yaml")
	if err := os.WriteFile(pb, []byte("domain: staging.lab.test\nhosts:\n  - name: a\n    address: 198.18.254.250\n    user: root\n    identityFile: "+f.key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(f.dir, "db")
	for config, want := range map[string][]string{
		"Host *\n  StrictHostKeyChecking no\n":         {"ssh_config:2: StrictHostKeyChecking no", "never skips host key checks"},
		"Host 198.18.*\n  UserKnownHostsFile " + f.dir: {"UserKnownHostsFile", f.dir, "a directory"},
	} {
		sc := filepath.Join(t.TempDir(), "ssh_config")
		if err := os.WriteFile(sc, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		r := ck8sctlWithin(t, 20*time.Second, "harden", "-p", pb, "--db", db, "--ssh-config", sc)
		if r.code != ExitBadInput {
			t.Errorf("%q: exit %d, want 2\n%s", config, r.code, r.stderr)
			continue
		}
		for _, w := range want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%q: stderr does not name %q:\n%s", config, w, r.stderr)
			}
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a run was recorded in %s although the input was refused", db)
	}
}
