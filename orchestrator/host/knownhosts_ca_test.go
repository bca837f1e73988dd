package host

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// startCertSSHD starts sshd with a host certificate for principals, signed
// by ssh-keygen with the CA key file ca.
func startCertSSHD(t *testing.T, ca, principals string) *testSSHD {
	t.Helper()
	testenv.RequireCommand(t, "ssh-keygen")
	return startSSHDWith(t, func(s *testSSHD, keys []string) []string {
		writeFile(t, keys[0]+".pub", string(ssh.MarshalAuthorizedKey(s.HostKeys[0])))
		out, err := exec.Command("ssh-keygen", "-q", "-s", ca, "-h", "-I", "test-host", "-n", principals, keys[0]+".pub").CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen -s: %v: %s", err, out)
		}
		return []string{"HostCertificate " + keys[0] + "-cert.pub"}
	})
}

// Host certificates: a @cert-authority line trusts every host key its CA
// signed for the host, with no per-host line; a certificate for another
// name or from a revoked CA is refused; and a server with a certificate
// nobody vouches for can still be trusted on first use by its plain key.
func TestHostCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca")
	caPub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(writeKey(t, ca, "ed25519", nil))))
	good := startCertSSHD(t, ca, "127.0.0.1,web1.example.test")
	wrong := startCertSSHD(t, ca, "someone-else.example.test")
	kh := func(lines ...string) string {
		f := filepath.Join(t.TempDir(), "known_hosts")
		writeFile(t, f, strings.Join(lines, "\n")+"\n")
		return f
	}

	t.Run("CA line for host:port", func(t *testing.T) {
		c := good.Config("cert")
		c.KnownHostsFile = kh(fmt.Sprintf("@cert-authority [127.0.0.1]:%d %s", good.Port, caPub))
		dialT(t, c).Close()
	})
	t.Run("wildcard CA line through a ProxyCommand", func(t *testing.T) {
		exe, _ := os.Executable()
		c := good.Config("fleet")
		c.Address, c.Port = "web1.example.test", 22
		c.KnownHostsFile = kh("@cert-authority *.example.test " + caPub)
		c.ProxyCommand = fmt.Sprintf("%s %s %s %s", exe, relayArg, good.Addr, filepath.Join(t.TempDir(), "log"))
		dialT(t, c).Close()
	})
	t.Run("principal mismatch", func(t *testing.T) {
		c := wrong.Config("impostor")
		c.AcceptNewHostKeys = true
		c.KnownHostsFile = kh(fmt.Sprintf("@cert-authority [127.0.0.1]:%d %s", wrong.Port, caPub))
		_, err := Dial(t.Context(), c)
		if !errors.Is(err, ErrHostCertificate) || !strings.Contains(err.Error(), "principal") {
			t.Fatalf("want ErrHostCertificate about the principal, got %v", err)
		}
	})
	t.Run("revoked CA", func(t *testing.T) {
		c := good.Config("revoked-ca")
		c.KnownHostsFile = kh(fmt.Sprintf("@cert-authority [127.0.0.1]:%d %s", good.Port, caPub), "@revoked * "+caPub)
		if _, err := Dial(t.Context(), c); !errors.Is(err, ErrHostKeyRevoked) {
			t.Fatalf("want ErrHostKeyRevoked, got %v", err)
		}
	})
	t.Run("no CA: plain key on first use", func(t *testing.T) {
		c := good.Config("tofu")
		c.AcceptNewHostKeys = true
		c.KnownHostsFile = kh("@cert-authority *.other.test " + caPub)
		dialT(t, c).Close()
		b, _ := os.ReadFile(c.KnownHostsFile)
		if want := knownhosts.Line([]string{good.Addr}, good.HostKeys[0]); !strings.Contains(string(b), want) {
			t.Errorf("known_hosts = %q, want the plain key recorded", b)
		}
	})
}

// caCovers asks knownhosts which CA lines apply: patterns, ports and
// negations as ssh reads them.
func TestCACovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	caPub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(writeKey(t, filepath.Join(dir, "ca"), "ed25519", nil))))
	c := Config{KnownHostsFile: filepath.Join(dir, "known_hosts")}
	writeFile(t, c.KnownHostsFile, "@cert-authority *.example.test,!bad.example.test,[198.18.0.1]:2222 "+caPub+"\n")
	hk, err := newHostKeys(c)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"web1.example.test:22": true, "bad.example.test:22": false, "web1.example.test:2222": false,
		"198.18.0.1:2222": true, "198.18.0.1:22": false, "example.org:22": false,
	} {
		if got := hk.caCovers(addr); got != want {
			t.Errorf("caCovers(%s) = %v, want %v", addr, got, want)
		}
	}
}
