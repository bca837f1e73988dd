package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stagingPlaybook is a small valid playbook: two web hosts and a database,
// labelled by role (the groups host patterns see).
const stagingPlaybook = `domain: staging.example.com
hosts:
  - name: web-1
    address: 203.0.113.1
    labels: {role: web}
  - name: web-2
    address: 203.0.113.2
    labels: {role: web}
  - name: db-1
    address: 203.0.113.3
    labels: {role: db}
`

// Secret values the tests plant; none may ever show in output.
const (
	fileSecret = "file-secret-6f1c2a"
	envSecret  = "env-secret-93b7de"
	hookEnv    = "CK8S_TEST_HOOK"
)

// fixture writes a configuration and what it refers to into a new
// directory: staging.yaml, secret files in every state and environment
// variables, and returns the configuration's path.
func fixture(t *testing.T, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	fixtureDir(t, dir)
	return write(t, dir, "serve.yaml", yaml, 0o644)
}

// fixtureDir writes fixture's files into dir.
func fixtureDir(t testing.TB, dir string) {
	t.Helper()
	write(t, dir, "staging.yaml", stagingPlaybook, 0o644)
	write(t, dir, "bad.yaml", "domain: example.com\nhosts:\n  - name: a\n    address: 203.0.113.1\n    port: 70000\n", 0o644)
	write(t, dir, "secret", fileSecret+"\n", 0o600)
	write(t, dir, "secret2", "second-"+fileSecret, 0o600)
	write(t, dir, "empty", " \n", 0o600)
	write(t, dir, "world", "world-"+fileSecret, 0o644)
	write(t, dir, "garbage", "not PEM", 0o600)
	if err := os.Mkdir(filepath.Join(dir, "subdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv(hookEnv, envSecret)
	t.Setenv("CK8S_TEST_EMPTY", "")
}

func write(t testing.TB, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	return p
}

// relative strips the fixture's directory from messages, so that cases
// read as a user sees them when serve.yaml is in the working directory.
func relative(err error, path string) string {
	return strings.ReplaceAll(err.Error(), filepath.Dir(path)+"/", "")
}

// keyPair writes a self-signed certificate and its key into dir/tls.
func keyPair(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "tls/tls.crt", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), 0o644)
	write(t, dir, "tls/tls.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})), 0o600)
}
