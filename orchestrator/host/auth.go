package host

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/ck8s/ck8sctl/internal/readfile"
)

// keyring is what one Dial offers: ssh-agent keys, then identity files, and
// a note for each source left out, so ErrAuth can say what was tried. Labels
// carry type and fingerprint only, never key material or passphrases.
type keyring struct {
	signers []ssh.Signer
	offered []string
	skipped []string
	agent   net.Conn // open until the handshake is done: the agent signs
	seen    map[string]bool
}

// loadKeys decrypts everything before dialling, so a passphrase prompt never
// runs against the handshake deadline. With IdentitiesOnly an agent key is
// offered only in place of the identity file it holds.
func loadKeys(c Config) (*keyring, error) {
	k := &keyring{seen: map[string]bool{}}
	agentKeys := k.openAgent(c.AgentSocket)
	if !c.IdentitiesOnly {
		for _, s := range agentKeys {
			k.add(s, "agent")
		}
	}
	used := 0 // agent keys standing in for identity files
	for _, file := range c.IdentityFiles {
		if c.IdentitiesOnly {
			if s := agentKeyFor(agentKeys, file); s != nil {
				k.add(s, "agent ("+file+")")
				used++
				continue
			}
		}
		if err := k.addFile(c, file); err != nil {
			k.close()
			return nil, err
		}
	}
	if n := len(agentKeys) - used; c.IdentitiesOnly && n > 0 {
		k.skipped = append(k.skipped, fmt.Sprintf("%d ssh-agent key(s) not among the identity files (IdentitiesOnly)", n))
	}
	if len(k.signers) == 0 {
		k.close()
		return nil, k.authError(c.User, errors.New("no usable key"))
	}
	return k, nil
}

func (k *keyring) addFile(c Config, file string) error {
	pem, err := readKey(file)
	if errors.Is(err, fs.ErrNotExist) {
		k.skipped = append(k.skipped, file+" (not found)")
		return nil
	}
	if err != nil {
		// Unprotected, not a file, too large: ssh ignores such a key
		// with an error, and so do we (an explicit one is refused before
		// dialling, see CheckFiles).
		k.skipped = append(k.skipped, err.Error()) // names the file
		return nil
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		signer, err = decrypt(c, file, pem)
		if signer == nil && err == nil {
			k.skipped = append(k.skipped, fmt.Sprintf("identity file %s is encrypted: set %s", file, c.PassphraseEnv))
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrAuth, err)
		}
	}
	if err != nil {
		k.skipped = append(k.skipped, fmt.Sprintf("%s (not a private key: %v)", file, err))
		return nil
	}
	k.add(signer, file)
	return nil
}

// readKey reads a private key file that checkIdentityFile accepts.
func readKey(file string) ([]byte, error) {
	f, fi, err := readfile.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := keyPermissions(file, fi); err != nil {
		return nil, err
	}
	return readfile.All(f, file, MaxIdentityFileSize)
}

// decrypt returns nil, nil when no passphrase source exists. A wrong
// passphrase is an error at once: it is a setup mistake, not a key to skip.
func decrypt(c Config, file string, pem []byte) (ssh.Signer, error) {
	pass, source := []byte(os.Getenv(c.PassphraseEnv)), "$"+c.PassphraseEnv
	if len(pass) == 0 {
		if c.PassphrasePrompt == nil {
			return nil, nil
		}
		var err error
		if pass, err = c.PassphrasePrompt(file); err != nil {
			return nil, fmt.Errorf("reading passphrase for %s: %w", file, err)
		}
		source = "the prompt"
	}
	signer, err := ssh.ParsePrivateKeyWithPassphrase(pem, pass)
	clear(pass)
	if err != nil {
		return nil, fmt.Errorf("identity file %s: cannot decrypt with the passphrase from %s", file, source)
	}
	return signer, nil
}

func (k *keyring) add(s ssh.Signer, source string) {
	pub := s.PublicKey()
	if k.seen[string(pub.Marshal())] {
		return // the agent often holds the identity file's key already
	}
	k.seen[string(pub.Marshal())] = true
	k.signers = append(k.signers, s)
	k.offered = append(k.offered, fmt.Sprintf("%s %s %s", source, pub.Type(), Fingerprint(pub)))
}

func (k *keyring) close() {
	if k.agent != nil {
		k.agent.Close()
	}
}

// authError names the user and what was offered and skipped.
func (k *keyring) authError(user string, cause error) error {
	msg := fmt.Sprintf("%v for user %q", cause, user)
	if len(k.offered) > 0 {
		msg += "; offered: " + strings.Join(k.offered, ", ")
	}
	if len(k.skipped) > 0 {
		msg += "; skipped: " + strings.Join(k.skipped, ", ")
	}
	return fmt.Errorf("%w: %s", ErrAuth, msg)
}
