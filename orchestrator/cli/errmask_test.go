package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFinalErrorLineUsesTheRunsRedactor: the last line a run prints (here
// the store failing to open, its path quoting secrets) is masked with the
// playbook's mask: patterns and the passphrase, like the run's events,
// and keeps its exit code (a --db that cannot hold a database is bad
// input: exit 2, nothing ran).
func TestFinalErrorLineUsesTheRunsRedactor(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "pb.yaml")
	os.WriteFile(pb, []byte("domain: staging.example.com\nmask: [\"corp-[0-9]{6}\"]\nhosts:\n  - name: a\n    address: 198.18.0.10\n"), 0o600)
	const pass = "pass-from-env-5e4d3c"
	t.Setenv(passphraseEnv, pass)
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o600)
	db := filepath.Join(notDir, "corp-123456", pass, "ck8s.db")

	r := ck8sctl(t, "harden", "-p", pb, "--db", db, "--ssh-config", "none")
	if r.code != ExitBadInput || !strings.Contains(r.stderr, "flag --db: opening store") {
		t.Fatalf("exit %d, want %d with the store's error:\n%s", r.code, ExitBadInput, r.stderr)
	}
	for _, s := range []string{"corp-123456", pass} {
		if strings.Contains(r.stderr, s) {
			t.Errorf("stderr leaks %s:\n%s", s, r.stderr)
		}
	}
}
