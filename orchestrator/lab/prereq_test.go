package lab

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheckRootUnlocked(t *testing.T) {
	for _, tc := range []struct {
		shadow string
		ok     bool
	}{
		{"daemon:*:1::::::\nroot:*:20228:0:99999:7:::\n", true},
		{"root:$y$j9T$abc:20228:0:99999:7:::\n", true},
		{"root:!:20228:0:99999:7:::\n", false},
		{"root:!$y$j9T$abc:20228::::::\n", false},
	} {
		path := filepath.Join(t.TempDir(), "shadow")
		if err := os.WriteFile(path, []byte(tc.shadow), 0o600); err != nil {
			t.Fatal(err)
		}
		err := checkRootUnlocked(path)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrPrerequisite)) {
			t.Errorf("shadow %q: %v", tc.shadow, err)
		}
	}
}

func TestCheckOwnDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := checkOwnDir(dir); err == nil {
		t.Error("world-writable lab dir accepted")
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkOwnDir(dir); (err == nil) != (os.Geteuid() == 0) {
		t.Errorf("0755 dir owned by uid %d: %v", os.Geteuid(), err)
	}
}
