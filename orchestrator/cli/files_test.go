package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ck8sctlWithin is ck8sctl with a deadline: what these tests guard against
// includes a hang (a FIFO opened for reading blocks until a writer comes).
func ck8sctlWithin(t *testing.T, d time.Duration, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- ck8sctl(t, args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(d):
		t.Fatalf("%v: still running after %s", args, d)
		return result{}
	}
}

// inputFiles is a directory of the files the tests point flags and
// playbook fields at: a good key and known_hosts, and the wrong kinds.
type inputFiles struct{ dir, key, knownHosts, fifo string }

func newInputFiles(t *testing.T) inputFiles {
	t.Helper()
	dir := t.TempDir()
	f := inputFiles{dir: dir, key: filepath.Join(dir, "id_ed25519"), knownHosts: filepath.Join(dir, "known_hosts"), fifo: filepath.Join(dir, "fifo")}
	_, priv := newKeyPair(t)
	if err := os.WriteFile(f.key, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.knownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(f.fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// playbook writes a one-host playbook (an unused lab address: nothing may
// be sent to it) with the given identity and known_hosts files.
func (f inputFiles) playbook(t *testing.T, key, knownHosts string) string {
	t.Helper()
	pb := "domain: staging.lab.test\nhosts:\n  - name: a\n    address: 198.18.254.250\n    user: root\n" +
		"    identityFile: " + key + "\n    knownHostsFile: " + knownHosts + "\n"
	p := filepath.Join(t.TempDir(), "playbook.yaml")
	if err := os.WriteFile(p, []byte(pb), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUserFilesOfTheWrongKindExit2: every file a user names — identity
// file, known_hosts, --ssh-config, --ca-file, the render bundle, --db —
// pointed at /dev/zero, a FIFO or a directory, or missing, or a key
// readable by others, is bad input: exit 2 at once, naming the field or
// flag and the file, nothing contacted and nothing recorded.
func TestUserFilesOfTheWrongKindExit2(t *testing.T) {
	f := newInputFiles(t)
	open := filepath.Join(f.dir, "id_open")
	if err := os.WriteFile(open, []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o644) // whatever the umask
	good := f.playbook(t, f.key, f.knownHosts)
	db := filepath.Join(f.dir, "db")
	harden := func(pb string, more ...string) []string {
		if len(more) == 0 {
			more = []string{"--ssh-config", "none"}
		}
		return append([]string{"harden", "-p", pb, "--db", db}, more...)
	}
	cases := []struct {
		args []string
		want []string
	}{
		{harden(f.playbook(t, "/dev/zero", f.knownHosts)), []string{"identityFile", "/dev/zero", "not a regular file", "character device"}},
		{harden(f.playbook(t, f.fifo, f.knownHosts)), []string{"identityFile", f.fifo, "a FIFO"}},
		{harden(f.playbook(t, filepath.Join(f.dir, "nokey"), f.knownHosts)), []string{"identityFile", "nokey", "no such file"}},
		{harden(f.playbook(t, open, f.knownHosts)), []string{"identityFile", open, "permissions 0644 are too open"}},
		{harden(f.playbook(t, f.key, f.dir)), []string{"knownHostsFile", f.dir, "a directory"}},
		{harden(f.playbook(t, f.key, "/dev/zero")), []string{"knownHostsFile", "/dev/zero", "character device"}},
		{harden(good, "--ssh-config", filepath.Join(f.dir, "missing_config")), []string{"--ssh-config", "missing_config", "no such file"}},
		{harden(good, "--ssh-config", "/dev/zero"), []string{"--ssh-config", "/dev/zero", "not a regular file"}},
		{harden(good, "--ssh-config", f.fifo), []string{"--ssh-config", "a FIFO"}},
		{harden(good, "--ssh-config", "none", "--lock-wait", "-5s"), []string{"--lock-wait", "negative"}},
		{[]string{"harden", "-p", good, "--ssh-config", "none", "--db", f.dir}, []string{"--db", f.dir}},
		{[]string{"tls-check", "staging.lab.test", "--addr", "127.0.0.1:1", "--ca-file", "/dev/zero"}, []string{"--ca-file", "/dev/zero", "not a regular file"}},
		{[]string{"tls-check", "staging.lab.test", "--addr", "127.0.0.1:1", "--ca-file", f.fifo}, []string{"--ca-file", "a FIFO"}},
		{[]string{"render", "-p", renderDir(t, renderHead+"manifests:\n  certManager: {install: bundle, bundle: /dev/zero}\n  acme: {email: ops@example.com}\n  ingress: {service: web}\n", nil)},
			[]string{"manifests.certManager.bundle", "/dev/zero", "not a regular file"}},
	}
	for _, c := range cases {
		r := ck8sctlWithin(t, 20*time.Second, c.args...)
		if r.code != ExitBadInput {
			t.Errorf("%v: exit %d, want 2\n%s", c.args, r.code, r.stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v: stderr does not name %q:\n%s", c.args, w, r.stderr)
			}
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a run was recorded in %s although every input was refused", db)
	}
}

// TestCAFileInPlaybookOfTheWrongKind: checks.tls.caFile is read before the
// run too, through the same limit.
func TestCAFileInPlaybookOfTheWrongKind(t *testing.T) {
	f := newInputFiles(t)
	pb := f.playbook(t, f.key, f.knownHosts)
	data, _ := os.ReadFile(pb)
	os.WriteFile(pb, append([]byte("checks:\n  tls:\n    caFile: /dev/zero\n"), data...), 0o600)
	r := ck8sctlWithin(t, 20*time.Second, "harden", "-p", pb, "--db", filepath.Join(f.dir, "db"), "--ssh-config", "none")
	if r.code != ExitBadInput || !strings.Contains(r.stderr, "checks.tls.caFile") || !strings.Contains(r.stderr, "not a regular file") {
		t.Fatalf("exit %d, want 2 naming checks.tls.caFile\n%s", r.code, r.stderr)
	}
}
