package tlscheck

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/ck8s/ck8sctl/internal/readfile"
)

// MaxRootsSize bounds a CA bundle: a system bundle is about 200 KiB.
const MaxRootsSize = 16 << 20

// LoadRoots reads a PEM bundle of CA certificates. Blocks other than
// CERTIFICATE (a key pasted in by mistake) are skipped and never echoed;
// a bundle without any certificate is an error.
func LoadRoots(path string) (*x509.CertPool, error) {
	data, err := readfile.Regular(path, MaxRootsSize)
	if err != nil {
		return nil, fmt.Errorf("reading CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	n := 0
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("CA bundle %s: certificate %d: %w", path, n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("CA bundle %s: no PEM CERTIFICATE block", path)
	}
	return pool, nil
}
