package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

func newKeyPair(t *testing.T) (ssh.PublicKey, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := ssh.NewPublicKey(pub)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return sp, pem.EncodeToMemory(block)
}

func TestChangedHostKeyRefusedNothingRuns(t *testing.T) {
	l := newLab(t, 2)
	victim := l.Hosts[0]
	// known_hosts claims another key for the victim's addresses.
	fake, _ := newKeyPair(t)
	var kh strings.Builder
	data, _ := os.ReadFile(l.KnownHostsFile)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && strings.Contains(","+f[0]+",", ","+victim.Addr4.String()+",") {
			line = f[0] + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(fake)))
		}
		kh.WriteString(line + "\n")
	}
	khFile := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(khFile, []byte(kh.String()), 0o600)
	pb := writePlaybook(t, l, khFile, "", specs(l)...)

	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", filepath.Join(t.TempDir(), "db"), "-o", "json", "--accept-new-host-keys")
	if r.code != ExitUnreachable {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
	}
	rep := r.report(t)
	h := rep.Hosts[0]
	fps := regexp.MustCompile(`SHA256:[A-Za-z0-9+/]{43}`).FindAllString(h.Error, -1)
	if h.Status != phase.StatusUnreachable || len(fps) != 2 || fps[0] == fps[1] || !strings.Contains(h.Error, ssh.FingerprintSHA256(fake)) {
		t.Errorf("changed key: status %s, error %q; want both fingerprints", h.Status, h.Error)
	}
	if rep.Hosts[1].Status != phase.StatusOK {
		t.Errorf("the other host should still run: %s %s", rep.Hosts[1].Status, rep.Hosts[1].Error)
	}
	if out := onHost(t, l, victim, "ls -A /var/lib/ck8s"); out != "" {
		t.Errorf("something was done on the host with the changed key: %q", out)
	}
	if after, _ := os.ReadFile(khFile); string(after) != kh.String() {
		t.Error("known_hosts was modified for a changed key")
	}
}

func TestUnknownHostNeedsAcceptNewHostKeys(t *testing.T) {
	l := newLab(t, 1)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(kh, nil, 0o600)
	pb := writePlaybook(t, l, kh, "", specs(l)...)
	db := filepath.Join(t.TempDir(), "db")

	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db)
	if r.code != ExitUnreachable || !strings.Contains(r.stdout+r.stderr, "--accept-new-host-keys") {
		t.Fatalf("unknown host: exit %d, want 3 mentioning --accept-new-host-keys\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if out := onHost(t, l, l.Hosts[0], "ls -A /var/lib/ck8s"); out != "" {
		t.Errorf("something was done on an unknown host: %q", out)
	}
	if r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "--accept-new-host-keys"); r.code != ExitOK {
		t.Fatalf("trust on first use: exit %d\n%s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(kh); !strings.Contains(string(data), strings.Fields(l.Hosts[0].HostKeyPub)[1]) {
		t.Fatalf("host key not recorded in known_hosts: %q", data)
	}
	if r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db); r.code != ExitOK {
		t.Fatalf("strict run after recording: exit %d\n%s", r.code, r.stderr)
	}
}

func TestWrongKeyExit3(t *testing.T) {
	l := newLab(t, 1)
	_, priv := newKeyPair(t)
	key := filepath.Join(t.TempDir(), "id_wrong")
	os.WriteFile(key, priv, 0o600)
	pb := writePlaybook(t, l, l.KnownHostsFile, "", hostSpec{host: l.Hosts[0], identityFile: key})
	t.Setenv("SSH_AUTH_SOCK", "")
	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", filepath.Join(t.TempDir(), "db"))
	if r.code != ExitUnreachable || !strings.Contains(r.stdout, "authentication failed") {
		t.Fatalf("wrong key: exit %d, want 3 with 'authentication failed'\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestUnreachableHostDoesNotStallOthers(t *testing.T) {
	l := newLab(t, 2)
	down := l.Hosts[1]
	if err := l.SetLinkDown(down, true); err != nil {
		t.Fatal(err)
	}
	pb := writePlaybook(t, l, l.KnownHostsFile, "", specs(l)...)
	const timeout = 2 * time.Second
	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", filepath.Join(t.TempDir(), "db"), "-o", "json", "--connect-timeout", timeout.String())
	if r.code != ExitUnreachable {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
	}
	rep := r.report(t)
	if rep.Hosts[0].Status != phase.StatusOK {
		t.Errorf("healthy host: %s %s", rep.Hosts[0].Status, rep.Hosts[0].Error)
	}
	u := rep.Hosts[1]
	if u.Status != phase.StatusUnreachable || !strings.Contains(u.Error, "unreachable") {
		t.Errorf("down host: %s %q", u.Status, u.Error)
	}
	// Bounded: the connect timeout per attempt, a few attempts with backoff.
	if limit := 3*timeout + 5*time.Second; u.Duration > limit {
		t.Errorf("unreachable host took %s, want under %s", u.Duration, limit)
	}
}
