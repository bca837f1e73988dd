// Package tlstest makes what TLS tests need, in memory: a CA (ECDSA P-256),
// intermediates and leaf certificates with any validity window, and TLS
// servers on a listener — including one inside a lab host's network
// namespace — limited to chosen protocol versions.
package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
)

// CA is a certificate authority: a root, or an intermediate whose Chain
// leads up to (not including) the root.
type CA struct {
	Cert  *x509.Certificate
	key   *ecdsa.PrivateKey
	chain [][]byte // DER of this CA and the intermediates above it, root excluded
}

// Name is a subject: a common name and an optional organization.
type Name struct{ CN, O string }

func (n Name) pkix() pkix.Name {
	p := pkix.Name{CommonName: n.CN}
	if n.O != "" {
		p.Organization = []string{n.O}
	}
	return p
}

// NewCA makes a self-signed root valid from a year ago for ten years: a CA
// is older than the leaves it signs, even ones that expired long ago.
func NewCA(t testing.TB, n Name) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: n.pkix(),
		NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	return &CA{Cert: sign(t, tmpl, tmpl, &key.PublicKey, key), key: key}
}

// Intermediate makes a CA signed by ca.
func (ca *CA) Intermediate(t testing.TB, n Name) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: n.pkix(),
		NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	c := sign(t, tmpl, ca.Cert, &key.PublicKey, ca.key)
	return &CA{Cert: c, key: key, chain: append([][]byte{c.Raw}, ca.chain...)}
}

// Leaf is a server certificate to issue.
type Leaf struct {
	Names               []string // DNS SANs
	NotBefore, NotAfter time.Time
}

// Issue signs a server certificate and returns it with its chain (leaf,
// then the intermediates, no root) and key, ready for tls.Config.
func (ca *CA) Issue(t testing.TB, l Leaf) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: pkix.Name{CommonName: first(l.Names)}, DNSNames: l.Names,
		NotBefore: l.NotBefore, NotAfter: l.NotAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	c := sign(t, tmpl, ca.Cert, &key.PublicKey, ca.key)
	return tls.Certificate{Certificate: append([][]byte{c.Raw}, ca.chain...), PrivateKey: key, Leaf: c}
}

// Valid issues a certificate for names valid from a day ago for 90 days.
func (ca *CA) Valid(t testing.TB, names ...string) tls.Certificate {
	t.Helper()
	return ca.Issue(t, Leaf{Names: names, NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour)})
}

// Pool is a cert pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// WriteFile writes the CA certificate as PEM into a temp file of t.
func (ca *CA) WriteFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Serve completes TLS handshakes on ln with cert, speaking only versions
// minV..maxV (0: Go's defaults), until the test ends.
func Serve(t testing.TB, ln net.Listener, cert tls.Certificate, minV, maxV uint16) {
	t.Helper()
	tln := tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: minV, MaxVersion: maxV})
	t.Cleanup(func() { tln.Close() })
	go func() {
		for {
			c, err := tln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				c.(*tls.Conn).Handshake() // the client's verdict is the test's business
			}()
		}
	}()
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}

func sign(t testing.TB, tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

// ServeIn serves like Serve on a free port of every address (IPv4 and
// IPv6) of the lab host whose network namespace is netns, and returns the
// port.
func ServeIn(t testing.TB, netns string, cert tls.Certificate, minV, maxV uint16) uint16 {
	t.Helper()
	ln, err := scantest.ListenIn(netns, "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	Serve(t, ln, cert, minV, maxV)
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}
