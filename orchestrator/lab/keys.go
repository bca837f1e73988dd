package lab

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// ensureKey returns the ed25519 key at path in authorized_keys format,
// generating it (and path+".pub") only when missing, so that running Up again
// keeps every key and known_hosts stays valid.
func ensureKey(path, comment string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b, err = newKey(comment)
		if err == nil {
			err = writeFileAtomic(path, b, 0o600)
		}
	}
	if err != nil {
		return "", fmt.Errorf("creating key %s: %w", path, err)
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return "", fmt.Errorf("reading key %s: %w", path, err)
	}
	pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	if err := writeFileAtomic(path+".pub", []byte(pub+" "+comment+"\n"), 0o644); err != nil {
		return "", err
	}
	return pub, nil
}

// newKey returns an unencrypted ed25519 key in OpenSSH format.
func newKey(comment string) ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(block), nil
}

// knownHosts lists every host key under the host's IPv4 and IPv6 address;
// knownhosts.Normalize writes "[addr]:port" only when the port is not 22.
func knownHosts(hosts []Host) ([]byte, error) {
	var b strings.Builder
	for _, h := range hosts {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(h.HostKeyPub))
		if err != nil {
			return nil, fmt.Errorf("parsing host key of %s: %w", h.Name, err)
		}
		addrs := []string{
			knownhosts.Normalize(fmt.Sprintf("%s:%d", h.Addr4, h.Port)),
			knownhosts.Normalize(fmt.Sprintf("[%s]:%d", h.Addr6, h.Port)),
		}
		b.WriteString(knownhosts.Line(addrs, key) + "\n")
	}
	return []byte(b.String()), nil
}

// writeFileAtomic writes through a temporary file in the same directory so a
// crash never leaves a half-written key or config behind.
func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
