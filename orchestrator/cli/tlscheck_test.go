package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck/tlstest"
)

// TestTLSCheckBadInput: bad arguments and flags exit 2 with a message
// naming what is wrong, before any connection.
func TestTLSCheckBadInput(t *testing.T) {
	key := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(key, []byte("-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0\n-----END EC PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"tls-check"}, "tls-check takes one DOMAIN argument, got 0"},
		{[]string{"tls-check", "a.lab.test", "b.lab.test"}, "got 2"},
		{[]string{"tls-check", "198.18.0.11"}, `DOMAIN: "198.18.0.11" is an IP address`},
		{[]string{"tls-check", "www.lab.test", "--addr", "www.lab.test:443"}, `flag --addr: "www.lab.test:443" is not IP:PORT`},
		{[]string{"tls-check", "www.lab.test", "--addr", "198.18.0.11"}, `flag --addr`},
		{[]string{"tls-check", "www.lab.test", "--addr", "198.18.0.11:443", "--min-valid", "2w"}, `flag --min-valid: "2w"`},
		{[]string{"tls-check", "www.lab.test", "--addr", "198.18.0.11:443", "--ca-file", "/nonexistent.pem"}, "flag --ca-file: reading CA bundle"},
		{[]string{"tls-check", "www.lab.test", "--addr", "198.18.0.11:443", "--ca-file", key}, "no PEM CERTIFICATE block"},
		{[]string{"tls-check", "www.lab.test", "--addr", "198.18.0.11:443", "-o", "xml"}, "flag --output"},
		{[]string{"tls-check", "www.lab.test", "--timeout", "0s"}, "flag --timeout"},
		{[]string{"tls-check", "www.lab.test", "--bogus"}, "bogus"},
	} {
		r := ck8sctl(t, tc.args...)
		if r.code != ExitBadInput || !strings.Contains(r.stderr, tc.msg) || strings.Contains(r.stderr, "c2VjcmV0") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.msg)
		}
	}
}

// TestTLSCheckFence: under CK8S_NETWORK_FENCE an address outside it is
// refused before the connect (exit 2, naming the fence). The fence here
// leaves out loopback, so a broken fence would only reach 127.0.0.1.
func TestTLSCheckFence(t *testing.T) {
	t.Setenv(fence.Env, "198.18.0.0/15,2001:db8::/32")
	r := ck8sctl(t, "tls-check", "www.lab.test", "--addr", "127.0.0.1:1")
	if r.code != ExitBadInput || !strings.Contains(r.stderr, fence.Env) {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestTLSCheckRefused: a closed port is unreachable, exit 3.
func TestTLSCheckRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := ck8sctl(t, "tls-check", "www.lab.test", "--addr", addr)
	if r.code != ExitUnreachable || !strings.Contains(r.stderr, "connect: connection refused") || !strings.Contains(r.stdout, "FAILED") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// --quiet: the table becomes one line; the exit code and stderr stay.
	q := ck8sctl(t, "--quiet", "tls-check", "www.lab.test", "--addr", addr)
	want := "tls-check: TLS check of www.lab.test at " + addr + " failed: "
	if q.code != ExitUnreachable || !strings.HasPrefix(q.stdout, want) || !strings.HasSuffix(q.stdout, ", exit 3\n") ||
		strings.Count(q.stdout, "\n") != 1 || !strings.Contains(q.stderr, "connection refused") {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q", q.code, q.stdout, q.stderr)
	}
}

// TestTLSCheckLab: a lab host serves a certificate of a test CA: with that
// CA as --ca-file it passes (exit 0, table and JSON); without it, or with a
// minimum validity longer than what is left, it fails (exit 1) naming why.
func TestTLSCheckLab(t *testing.T) {
	testenv.RequireRoot(t)
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	ca := tlstest.NewCA(t, tlstest.Name{CN: "ck8s cli test root"})
	const domain = "www.staging.lab.test"
	cert := ca.Issue(t, tlstest.Leaf{Names: []string{domain}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(20*24*time.Hour + time.Hour)})
	port := tlstest.ServeIn(t, h.NetNS, cert, 0, 0)
	caFile := ca.WriteFile(t)
	addr4, addr6 := fmt.Sprintf("%s:%d", h.Addr4, port), fmt.Sprintf("[%s]:%d", h.Addr6, port)

	r := ck8sctl(t, "tls-check", domain, "--addr", addr4, "--ca-file", caFile)
	t.Logf("ck8sctl tls-check %s --addr %s --ca-file ca.pem:\n%s", domain, addr4, r.stdout)
	for _, want := range []string{"version     TLS 1.3", "subject     CN=" + domain, "issuer      CN=ck8s cli test root", "(20 days left; minimum 14d)", "chain       verified against --ca-file " + caFile, "PASSED"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if r.code != ExitOK || r.stderr != "" {
		t.Fatalf("valid: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	r = ck8sctl(t, "tls-check", "-o", "json", "--ca-file", caFile, domain, "--addr", addr6)
	var rep tlscheck.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != ExitOK || !rep.Passed || rep.Addr != addr6 || rep.Certificate.DaysLeft != 20 {
		t.Fatalf("json: exit %d, %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}

	r = ck8sctl(t, "tls-check", domain, "--addr", addr4)
	t.Logf("without --ca-file:\n%s%s", r.stdout, r.stderr)
	if r.code != ExitFailed || !strings.Contains(r.stderr, "chain not trusted by system roots: x509: certificate signed by unknown authority") {
		t.Fatalf("untrusted: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = ck8sctl(t, "tls-check", domain, "--addr", addr4, "--ca-file", caFile, "--min-valid", "30d")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "in 20 days, within the minimum remaining validity of 30d") || !strings.Contains(r.stdout, "- fail expiry: ") {
		t.Fatalf("--min-valid 30d: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// The lab host's port 80 is a plain web decoy, no redirect to https.
	r = ck8sctl(t, "tls-check", domain, "--addr", addr4, "--ca-file", caFile, "--http-redirect")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "http://"+domain+"/ at "+h.Addr4.String()+":80 answers") {
		t.Fatalf("--http-redirect against the decoy: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
