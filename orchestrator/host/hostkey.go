package host

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ck8s/ck8sctl/internal/readfile"
)

// Fingerprint is the key's SHA256 fingerprint as ssh-keygen -l prints it.
func Fingerprint(k ssh.PublicKey) string { return ssh.FingerprintSHA256(k) }

// hostKeys checks server keys against the host's known_hosts files:
// strictly, or recording unknown hosts when accept is set. A changed key is
// always refused. Host certificates are accepted when a @cert-authority
// line covers the host (see knownhosts_ca.go).
type hostKeys struct {
	name   string   // for errors
	file   string   // where new keys are recorded; "none" → nowhere
	files  []string // every file checked
	accept bool
	known  ssh.HostKeyCallback // from files as read before dialling
	cas    []ssh.PublicKey     // their @cert-authority keys
}

func newHostKeys(c Config) (*hostKeys, error) {
	h := &hostKeys{name: c.Name, file: c.KnownHostsFile, files: c.knownHosts, accept: c.AcceptNewHostKeys}
	if h.files == nil {
		h.files = []string{c.KnownHostsFile}
	}
	var err error
	if h.known, err = readKnownHosts(h.files...); err != nil {
		return nil, err
	}
	h.cas, err = caKeys(h.files)
	return h, err
}

// readKnownHosts skips missing files (none at all: every host unknown).
// x/crypto opens the files by name: check first that each is a regular
// file of a sane size, or a FIFO would hang the dial and a device fill
// memory.
func readKnownHosts(files ...string) (ssh.HostKeyCallback, error) {
	var present []string
	for _, f := range files {
		err := readfile.Check(f, MaxKnownHostsSize)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading known hosts: %w", err)
		}
		present = append(present, f)
	}
	if len(present) == 0 {
		return func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }, nil
	}
	cb, err := knownhosts.New(present...)
	if err != nil {
		return nil, fmt.Errorf("reading known hosts: %w", err)
	}
	return cb, nil
}

// algorithms lists the host key algorithms to offer for addr: certificate
// ones first when a @cert-authority covers it, then those of its known
// keys, or the server may present another type we have no record of,
// which would look exactly like a changed key. For a host without known
// keys, every plain algorithm: never a certificate no authority could
// vouch for (x/crypto would refuse it even where a plain key would be
// accepted on first use).
func (h *hostKeys) algorithms(addr string) []string {
	var algos []string
	if h.caCovers(addr) {
		algos = append(algos, certAlgorithms...)
	}
	var ke *knownhosts.KeyError
	if !errors.As(h.known(addr, probeAddr, probeKey{}), &ke) || len(ke.Want) == 0 {
		return append(algos, plainAlgorithms...)
	}
	seen := map[string]bool{}
	for _, w := range ke.Want {
		for _, a := range algorithmsFor(w.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos
}

// algorithmsFor maps a key type to the signature algorithms that use it.
func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// check is the ssh.HostKeyCallback.
func (h *hostKeys) check(addr string, remote net.Addr, key ssh.PublicKey) error {
	err := h.known(addr, remote, key)
	var ke *knownhosts.KeyError
	var re *knownhosts.RevokedError
	switch {
	case err == nil:
		return nil
	case isCert(key):
		return h.badCert(addr, remote, key.(*ssh.Certificate), err)
	case errors.As(err, &re):
		return fmt.Errorf("%w: %s %s (%s:%d)", ErrHostKeyRevoked, key.Type(), Fingerprint(key), re.Revoked.Filename, re.Revoked.Line)
	case errors.As(err, &ke) && len(ke.Want) > 0:
		return h.changed(addr, key, ke.Want)
	case errors.As(err, &ke) && h.accept:
		return h.record(addr, key)
	case errors.As(err, &ke):
		return fmt.Errorf("%w (%s presented %s %s; checked %s)", ErrHostKeyUnknown, knownhosts.Normalize(addr), key.Type(), Fingerprint(key), strings.Join(h.files, ", "))
	}
	return err
}

// changed reports the recorded key of the presented type, else the first.
func (h *hostKeys) changed(addr string, key ssh.PublicKey, want []knownhosts.KnownKey) error {
	w := want[0]
	for _, k := range want {
		if k.Key.Type() == key.Type() {
			w = k
			break
		}
	}
	return &HostKeyChangedError{
		Host: h.name, Address: knownhosts.Normalize(addr),
		Want: Fingerprint(w.Key), Got: Fingerprint(key),
		File: w.Filename, Line: w.Line,
	}
}

// probeKey matches no real key, so checking it lists every known key of a host.
type probeKey struct{}

func (probeKey) Type() string                        { return "probe@ck8s" }
func (probeKey) Marshal() []byte                     { return []byte("probe@ck8s") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe key") }

var probeAddr = &net.TCPAddr{IP: net.IPv4zero, Port: 22}
