package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair, so output code can be tested on
// a real terminal: the tests write to the replica, read the primary.
func openPTY(t *testing.T) (primary, replica *os.File) {
	t.Helper()
	p, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(p.Fd()), unix.TIOCSPTLCK, 0); err != nil { // unlockpt
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(p.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	r, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); p.Close() })
	return p, r
}

// TestTerminalProgress runs a scan with stderr on a real terminal: live
// progress is shown and cleared with an escape; NO_COLOR keeps it free of
// escapes; --quiet shows none.
func TestTerminalProgress(t *testing.T) {
	port := loopbackListener(t)
	for _, tc := range []struct {
		name     string
		noColor  string
		quiet    bool
		progress bool
		escapes  bool
	}{
		{"terminal", "", false, true, true},
		{"NO_COLOR", "1", false, true, false},
		{"quiet", "", true, false, false},
	} {
		t.Setenv("NO_COLOR", tc.noColor)
		t.Setenv("TERM", "xterm")
		primary, replica := openPTY(t)
		args := []string{"ck8sctl", "scan", "--ports", fmt.Sprint(port), "--expect", fmt.Sprint(port), "127.0.0.1"}
		if tc.quiet {
			args = append([]string{"ck8sctl", "--quiet"}, args[1:]...)
		}
		if code := Main(args, strings.NewReader(""), io.Discard, replica); code != ExitOK {
			t.Fatalf("%s: exit %d", tc.name, code)
		}
		replica.Close()
		out, _ := io.ReadAll(primary) // EIO once the replica is closed and drained
		if got := strings.Contains(string(out), "scan: 1/1 ports"); got != tc.progress {
			t.Errorf("%s: progress shown %v, want %v: %q", tc.name, got, tc.progress, out)
		}
		if got := strings.Contains(string(out), "\x1b"); got != tc.escapes {
			t.Errorf("%s: escapes %v, want %v: %q", tc.name, got, tc.escapes, out)
		}
	}
}
