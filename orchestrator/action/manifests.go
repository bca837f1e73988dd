package action

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"path/filepath"

	"github.com/ck8s/ck8sctl/internal/manifest"
	"github.com/ck8s/ck8sctl/internal/readfile"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// maxFileSize bounds the bundle and CA files read into memory: cert-manager's
// release manifest is about 1 MiB.
const maxFileSize = 16 << 20

// ManifestValues turns the playbook's manifests section into the renderer's
// Values, reading the files it names. Errors name the playbook field.
func ManifestValues(p *playbook.Playbook) (manifest.Values, error) {
	m := p.Manifests
	if m == nil {
		return manifest.Values{}, &playbook.Error{File: p.Path, Path: "manifests", Msg: "no manifests section: nothing to render"}
	}
	v := manifest.Values{Domain: p.Domain}
	v.CertManager = manifest.CertManager{Install: m.CertManager.Install, Version: m.CertManager.Version, Namespace: m.CertManager.Namespace}
	if m.CertManager.Install == playbook.InstallBundle {
		b, err := readField(p, m.CertManager.Bundle, m.CertManager.BundleLine, "manifests.certManager.bundle")
		if err != nil {
			return v, err
		}
		v.CertManager.Bundle, v.CertManager.BundleName = b, filepath.Base(m.CertManager.Bundle)
	}
	a := m.ACME
	v.ACME = manifest.ACME{Email: a.Email, Server: a.Server, Issuer: a.Issuer, AccountKeySecret: a.AccountKeySecret}
	if a.CABundleFile != "" {
		b, err := readField(p, a.CABundleFile, a.CABundleLine, "manifests.acme.caBundleFile")
		if err != nil {
			return v, err
		}
		if err := pemCertificates(b); err != nil {
			return v, &playbook.Error{File: p.Path, Line: a.CABundleLine, Path: "manifests.acme.caBundleFile", Msg: fmt.Sprintf("%s: %v", a.CABundleFile, err)}
		}
		v.ACME.CABundle = b
	}
	v.Ingress = m.Ingress
	v.Network = manifest.Network{Namespaces: m.Network.Namespaces, IngressControllerNamespace: m.Network.IngressControllerNamespace,
		RestrictEgress: m.Network.RestrictEgress, EgressCIDRs: prefixStrings(m.Network.EgressCIDRs)}
	return v, nil
}

// readField reads a file a playbook field names.
func readField(p *playbook.Playbook, path string, line int, field string) ([]byte, error) {
	b, err := readLimited(path)
	if err != nil {
		msg := err.Error()
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &playbook.Error{File: p.Path, Line: line, Path: field, Msg: fmt.Sprintf("cannot read %s: %s", path, msg), Err: err}
	}
	return b, nil
}

// readLimited refuses what is not a regular file: a device reports size 0
// and never ends.
func readLimited(path string) ([]byte, error) {
	return readfile.Regular(path, maxFileSize)
}

// pemCertificates checks that b holds PEM certificates and no other PEM
// blocks (a private key would be a dangerous mix-up): cert-manager would
// otherwise fail later, on the host, less clearly. Text between blocks is
// allowed, as CA bundles carry comments.
func pemCertificates(b []byte) error {
	n := 0
	for blk, rest := pem.Decode(b); blk != nil; blk, rest = pem.Decode(rest) {
		n++
		if blk.Type != "CERTIFICATE" {
			return fmt.Errorf("PEM block %d is %q, want CERTIFICATE", n, blk.Type)
		}
		if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
			return fmt.Errorf("PEM block %d: %v", n, err)
		}
	}
	if n == 0 {
		return errors.New("no PEM certificate in the file")
	}
	return nil
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
