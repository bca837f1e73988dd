package cli

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
)

// loopbackListener is an open port on 127.0.0.1 for scans.
func loopbackListener(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	scantest.Accept(ln)
	return ln.Addr().(*net.TCPAddr).Port
}

// TestQuietScan: --quiet leaves stdout one summary line and the exit code
// unchanged; without it the table. Off a terminal nothing but the report
// and errors is written: no progress, no escapes.
func TestQuietScan(t *testing.T) {
	port := loopbackListener(t)
	args := []string{"scan", "--ports", fmt.Sprint(port), "--expect", "22", "127.0.0.1"}
	full := ck8sctl(t, args...)
	quiet := ck8sctl(t, append([]string{"--quiet"}, args...)...)
	if full.code != ExitFailed || quiet.code != ExitFailed {
		t.Fatalf("exit %d and %d (quiet), want %d: an unexpected open port\n%s%s", full.code, quiet.code, ExitFailed, full.stdout, full.stderr)
	}
	if !strings.Contains(full.stdout, "TARGET") || !strings.Contains(full.stdout, "NON-COMPLIANT") {
		t.Errorf("without --quiet, no table:\n%s", full.stdout)
	}
	want := "scan: 1 of 1 target(s) not compliant, exit 1\n"
	if quiet.stdout != want {
		t.Errorf("--quiet stdout %q, want %q", quiet.stdout, want)
	}
	if !strings.Contains(quiet.stderr, "not compliant") {
		t.Errorf("--quiet hid the error: stderr %q", quiet.stderr)
	}
	for _, r := range []result{full, quiet} {
		if strings.ContainsAny(r.stdout+r.stderr, "\r\x1b") {
			t.Errorf("progress or escapes off a terminal: %q %q", r.stdout, r.stderr)
		}
	}
}

// TestQuietInit: --quiet silences init's note on stderr.
func TestQuietInit(t *testing.T) {
	out := t.TempDir() + "/pb.yaml"
	if r := ck8sctl(t, "-q", "init", "--domain", "example.org", "-o", out); r.code != ExitOK || r.stderr != "" || r.stdout != "" {
		t.Errorf("init -q: exit %d, stdout %q, stderr %q, want nothing", r.code, r.stdout, r.stderr)
	}
}

// TestScanBarEscapes: the progress line clears itself with an escape, or
// with NO_COLOR by overwriting with spaces.
func TestScanBarEscapes(t *testing.T) {
	for _, ansi := range []bool{true, false} {
		var b bytes.Buffer
		bar := newScanBar(&b, true, ansi)
		bar.show(scan.Progress{Done: 10, Total: 100, Open: 1})
		bar.clear()
		if got := strings.Contains(b.String(), "\x1b"); got != ansi {
			t.Errorf("ansi %v: escapes written %v: %q", ansi, got, b.String())
		}
		if !strings.HasSuffix(b.String(), "\r") && !ansi {
			t.Errorf("no-escape clear must return to the line start: %q", b.String())
		}
	}
	t.Setenv("NO_COLOR", "1")
	if escapesAllowed() {
		t.Error("NO_COLOR=1: escapes allowed")
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	if !escapesAllowed() {
		t.Error("NO_COLOR empty on xterm: escapes refused (no-color.org: only a non-empty value counts)")
	}
}
