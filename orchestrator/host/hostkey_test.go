package host

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestUnknownHostRefused(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	c := s.Config("stranger")
	c.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, c.KnownHostsFile, "")
	_, err := Dial(t.Context(), c)
	if !errors.Is(err, ErrHostKeyUnknown) {
		t.Fatalf("want ErrHostKeyUnknown, got %v", err)
	}
	for _, want := range []string{"stranger (root@", "--accept-new-host-keys", Fingerprint(s.HostKeys[0])} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if b, _ := os.ReadFile(c.KnownHostsFile); len(b) != 0 {
		t.Errorf("strict dial wrote known_hosts: %q", b)
	}
}

func TestAcceptNewHostKeyRecordsThenStrict(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	c := s.Config("tofu")
	c.KnownHostsFile = filepath.Join(t.TempDir(), "new", "known_hosts") // dir too is created
	c.AcceptNewHostKeys = true
	dialT(t, c).Close()

	b, err := os.ReadFile(c.KnownHostsFile)
	want := knownhosts.Line([]string{s.Addr}, s.HostKeys[0]) + "\n"
	if err != nil || string(b) != want {
		t.Fatalf("known_hosts = %q, %v; want %q", b, err, want)
	}
	c.AcceptNewHostKeys = false
	dialT(t, c)
}

func TestAcceptNewHostKeyParallel(t *testing.T) {
	t.Parallel()
	a, b := startSSHD(t), startSSHD(t)
	file := filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, file, "# no trailing newline")
	var wg sync.WaitGroup
	for i := range 10 {
		s := []*testSSHD{a, b}[i%2]
		wg.Go(func() {
			c := s.Config("parallel")
			c.KnownHostsFile, c.AcceptNewHostKeys = file, true
			cl, err := Dial(t.Context(), c)
			if err != nil {
				t.Error(err)
				return
			}
			cl.Close()
		})
	}
	wg.Wait()
	got, _ := os.ReadFile(file)
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	slices.Sort(lines)
	want := []string{
		"# no trailing newline",
		knownhosts.Line([]string{a.Addr}, a.HostKeys[0]),
		knownhosts.Line([]string{b.Addr}, b.HostKeys[0]),
	}
	slices.Sort(want)
	if !slices.Equal(lines, want) {
		t.Fatalf("known_hosts:\n%s\nwant one line per host:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestChangedHostKeyRefused(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	p := startProxy(t, s.Addr)
	c := s.Config("changed")
	c.Port = p.Port
	c.AcceptNewHostKeys = true // must not matter for a changed key
	c.Retries = 3
	c.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	other := writeKey(t, filepath.Join(t.TempDir(), "other"), "ed25519", nil)
	writeFile(t, c.KnownHostsFile, "# header\n"+knownhosts.Line([]string{p.Addr()}, other)+"\n")

	_, err := Dial(t.Context(), c)
	var hkc *HostKeyChangedError
	if !errors.As(err, &hkc) {
		t.Fatalf("want *HostKeyChangedError, got %v", err)
	}
	if hkc.Want != Fingerprint(other) || hkc.Got != Fingerprint(s.HostKeys[0]) || hkc.Line != 2 || hkc.File != c.KnownHostsFile {
		t.Errorf("got %+v", hkc)
	}
	for _, want := range []string{"changed (root@", Fingerprint(other), Fingerprint(s.HostKeys[0]), c.KnownHostsFile + ":2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := p.Accepts.Load(); n != 1 {
		t.Errorf("a changed key was retried: %d connections", n)
	}
	if Retryable(err) {
		t.Error("Retryable(changed key) = true")
	}
}

// The server has an ECDSA and an Ed25519 key, known_hosts only the Ed25519
// one. x/crypto prefers ECDSA, so without restricting HostKeyAlgorithms the
// server would present a key we have no record of: a false "changed".
func TestKnownKeyTypeIsNegotiated(t *testing.T) {
	t.Parallel()
	s := startSSHD(t, "ecdsa", "ed25519")
	c := s.Config("two-keys")
	c.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, c.KnownHostsFile, knownhosts.Line([]string{s.Addr}, s.HostKeys[1])+"\n")
	dialT(t, c)

	hk, err := newHostKeys(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := hk.algorithms(s.Addr); !slices.Equal(got, []string{ssh.KeyAlgoED25519}) {
		t.Errorf("algorithms = %v", got)
	}
	// No certificate algorithm without a @cert-authority for the host: a
	// certificate nobody vouches for would be refused where the plain key
	// could be accepted on first use.
	if got := hk.algorithms("127.0.0.1:1"); !slices.Equal(got, plainAlgorithms) {
		t.Errorf("algorithms for an unknown host = %v, want every plain one", got)
	}
}

func TestAlgorithmsForRSA(t *testing.T) {
	got := algorithmsFor(ssh.KeyAlgoRSA)
	want := []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v", got)
	}
}

// A key marked @revoked is refused with ErrHostKeyRevoked (which the run
// classifies as an untrusted host, exit 3), even with AcceptNewHostKeys,
// and naming the line that revokes it.
func TestRevokedHostKeyRefused(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	c := s.Config("revoked")
	c.AcceptNewHostKeys = true
	c.KnownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	writeFile(t, c.KnownHostsFile, "@revoked * "+string(ssh.MarshalAuthorizedKey(s.HostKeys[0])))
	_, err := Dial(t.Context(), c)
	if !errors.Is(err, ErrHostKeyRevoked) || !strings.Contains(err.Error(), c.KnownHostsFile+":1") {
		t.Fatalf("want ErrHostKeyRevoked naming %s:1, got %v", c.KnownHostsFile, err)
	}
}
