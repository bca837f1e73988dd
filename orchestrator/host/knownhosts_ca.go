package host

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ck8s/ck8sctl/internal/readfile"
)

// Host certificates (`@cert-authority *.example.test ssh-ed25519 AAAA…` in
// known_hosts) let a fleet trust one CA instead of each host's key on
// first use. x/crypto's knownhosts callback verifies them; what it leaves
// to us is offering certificate algorithms, which a server only answers
// with a certificate when asked.

// certAlgorithms are offered first for a host a CA covers, as ssh does.
var certAlgorithms = []string{
	ssh.CertAlgoED25519v01,
	ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
	ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01,
}

// plainAlgorithms are offered for a host without known keys (OpenSSH's
// order; no SHA-1 ssh-rsa).
var plainAlgorithms = []string{
	ssh.KeyAlgoED25519,
	ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256,
}

// caKeys lists the @cert-authority keys of the files that exist, whatever
// hosts they are for (caCovers asks knownhosts which apply).
func caKeys(files []string) ([]ssh.PublicKey, error) {
	var keys []ssh.PublicKey
	for _, file := range files {
		f, _, err := readfile.Open(file)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading known hosts: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if !bytes.HasPrefix(line, []byte("@cert-authority")) {
				continue
			}
			if marker, _, key, _, _, err := ssh.ParseKnownHosts(line); err == nil && marker == "cert-authority" {
				keys = append(keys, key)
			}
		}
		f.Close()
	}
	return keys, nil
}

// caCovers reports whether a @cert-authority line applies to addr. The
// knownhosts callback keeps its host patterns (wildcards, negations,
// hashes) to itself, so it is asked: a certificate "signed" by a CA it has
// no authority line for is refused with one message; one by a CA that
// covers addr gets as far as the principal check and fails differently.
func (h *hostKeys) caCovers(addr string) bool {
	if len(h.cas) == 0 {
		return false
	}
	probe := func(ca ssh.PublicKey) string {
		err := h.known(addr, probeAddr, &ssh.Certificate{Key: probeKey{}, CertType: ssh.HostCert, SignatureKey: ca})
		if err == nil {
			return ""
		}
		return err.Error()
	}
	uncovered := probe(probeKey{})
	for _, ca := range h.cas {
		if probe(ca) != uncovered {
			return true
		}
	}
	return false
}

func isCert(k ssh.PublicKey) bool {
	_, ok := k.(*ssh.Certificate)
	return ok
}

// badCert explains a refused certificate: its key or its CA @revoked, or
// not valid for this host.
func (h *hostKeys) badCert(addr string, remote net.Addr, cert *ssh.Certificate, err error) error {
	for _, k := range []ssh.PublicKey{cert.Key, cert.SignatureKey} {
		var re *knownhosts.RevokedError
		if errors.As(h.known(addr, remote, k), &re) {
			return fmt.Errorf("%w: %s %s (%s:%d)", ErrHostKeyRevoked, k.Type(), Fingerprint(k), re.Revoked.Filename, re.Revoked.Line)
		}
	}
	return fmt.Errorf("%w: %s presented a certificate %q for %s %s signed by CA %s %s: %v",
		ErrHostCertificate, knownhosts.Normalize(addr), cert.KeyId, cert.Key.Type(), Fingerprint(cert.Key),
		cert.SignatureKey.Type(), Fingerprint(cert.SignatureKey), err)
}
