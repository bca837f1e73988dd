package host

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func dialT(t *testing.T, c Config) *Client {
	t.Helper()
	cl, err := Dial(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

func TestRunAndOutput(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	cl := dialT(t, s.Config("local"))
	if got, want := cl.String(), "local (root@"+s.Addr+")"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}

	out, err := cl.Output(t.Context(), "echo hello; echo noise >&2")
	if err != nil || string(out) != "hello\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}

	var stdout, stderr bytes.Buffer
	err = cl.Run(t.Context(), "cat; echo to-stderr >&2", strings.NewReader("from stdin"), &stdout, &stderr)
	if err != nil || stdout.String() != "from stdin" || stderr.String() != "to-stderr\n" {
		t.Fatalf("Run = %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}

	_, err = cl.Output(t.Context(), "echo first >&2; echo boom >&2; exit 3")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || !strings.Contains(ee.Stderr, "boom") {
		t.Fatalf("want ExitError 3 with stderr, got %#v", err)
	}
	for _, want := range []string{"local (root@", "exit status 3", "first | boom"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestRunCancelReturnsPromptly(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	cl := dialT(t, s.Config("local"))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var start time.Time
	// Logged in as root, sshd cannot deliver the SIGTERM (no privilege
	// separation), but Run must return anyway; the lab test with a sudo
	// user checks the signal arrives.
	var out bytes.Buffer
	onWrite := writerFunc(func(p []byte) (int, error) {
		start = time.Now()
		cancel()
		return out.Write(p)
	})
	err := cl.Run(ctx, "echo started; sleep 5; echo late", nil, onWrite, nil)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("Run = %v after %s, want canceled promptly", err, time.Since(start))
	}
	if got, err := cl.Output(t.Context(), "echo still usable"); err != nil || string(got) != "still usable\n" {
		t.Fatalf("connection unusable after cancel: %q %v", got, err)
	}
	if out.String() != "started\n" {
		t.Fatalf("stdout = %q", out.String())
	}
}

func TestRunStdinNotDrainedAfterExit(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	cl := dialT(t, s.Config("local"))
	// A stdin that never ends must not keep Run waiting once the command exited.
	block := blockingReader(make(chan struct{}))
	done := make(chan error, 1)
	go func() { done <- cl.Run(t.Context(), "true", block, nil, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run blocked on stdin after the command exited")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

type blockingReader chan struct{}

func (b blockingReader) Read([]byte) (int, error) { <-b; return 0, errors.New("closed") }

func TestSFTPAsRoot(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	cl := dialT(t, s.Config("local"))
	sc, err := cl.SFTP(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	path := s.Dir + "/uploaded"
	f, err := sc.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("payload"))
	f.Close()
	out, err := cl.Output(t.Context(), "stat -c %U "+Quote(path)+"; cat "+Quote(path))
	if err != nil || string(out) != "root\npayload" {
		t.Fatalf("got %q, %v", out, err)
	}
}

func TestSudoOnRootIsNotDecorated(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	c := s.Config("local")
	c.Sudo = true
	cl := dialT(t, c)
	if cl.decorate != nil {
		t.Fatal("root needs no sudo")
	}
}

func TestQuoteRoundTripsThroughShell(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "it's", `a "b" $HOME`, "x'; rm -rf /tmp/nope; '", "new\nline", `\'`} {
		out, err := exec.Command("sh", "-c", "printf %s "+Quote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("Quote(%q) through sh = %q, %v", s, out, err)
		}
	}
	if got, want := Sudo("id -u"), "sudo -n -- sh -c 'id -u'"; got != want {
		t.Errorf("Sudo = %q, want %q", got, want)
	}
}

// A root login cannot be signalled, but cancelling closes the command's
// stdin: a command that reads it (as the agent reads its plan) notices.
func TestRunCancelClosesStdin(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	cl := dialT(t, s.Config("local"))
	marker := filepath.Join(s.Dir, "stdin-closed")
	ctx, cancel := context.WithCancel(t.Context())
	err := cl.Run(ctx, "echo started; cat >/dev/null; touch "+Quote(marker), blockingReader(make(chan struct{})),
		writerFunc(func(p []byte) (int, error) { cancel(); return len(p), nil }), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	for range 50 {
		if _, err := os.Stat(marker); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the command's stdin stayed open after cancel")
}
