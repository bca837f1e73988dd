// Package testenv holds the guards integration tests share: a privileged test
// skips on a laptop without root but fails loudly under CI=true, so a missing
// prerequisite can never turn a CI run green by skipping.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the tests run under CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// RequireRoot skips t unless it runs as root; under CI it fails instead.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if CI() {
		t.Fatal("needs root in CI")
	}
	t.Skip("needs root")
}

// RequireCommand skips t unless every named program is on PATH; under CI it
// fails instead, naming what is missing.
func RequireCommand(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if CI() {
				t.Fatalf("needs %s in CI (the .ci/run install step should provide it): %v", n, err)
			}
			t.Skipf("needs %s: %v", n, err)
		}
	}
}
