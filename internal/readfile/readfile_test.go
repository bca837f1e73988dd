package readfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The files users point flags at by mistake are refused at once, naming
// what they are, and without reading a byte: /dev/zero would never end, a
// FIFO would block the open until a writer came.
func TestRegularRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{"/dev/zero": "a character device", dir: "a directory", fifo: "a FIFO"}
	for path, want := range cases {
		done := make(chan error, 1)
		go func() { _, err := Regular(path, 1<<20); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: %v, want ErrNotRegular naming %q and the path", path, err, want)
			}
			if err := Check(path, 1<<20); !errors.Is(err, ErrNotRegular) {
				t.Errorf("Check(%s): %v, want ErrNotRegular", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Regular blocked", path)
		}
	}
}

func TestRegularLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 2048)), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := Regular(p, 2048); err != nil || len(b) != 2048 {
		t.Fatalf("at the limit: %d bytes, %v", len(b), err)
	}
	_, err := Regular(p, 1024)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1 KiB") {
		t.Fatalf("over the limit: %v, want ErrTooLarge naming 1 KiB", err)
	}
	if err := Check(p, 1024); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Check over the limit: %v", err)
	}
	if _, err := Regular(filepath.Join(t.TempDir(), "missing"), 1); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v, want fs.ErrNotExist", err)
	}
}
