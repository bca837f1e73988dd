package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// record appends addr's key to the known_hosts file (trust on first use).
// Hosts are dialled in parallel, by this and other processes, so the append
// happens under an exclusive lock, after reading the file again: whoever
// recorded the host first wins, and a different key found then is a change.
func (h *hostKeys) record(addr string, key ssh.PublicKey) error {
	if h.file == "none" {
		return fmt.Errorf("%w (%s presented %s %s; UserKnownHostsFile is none, so there is nowhere to record it)",
			ErrHostKeyUnknown, knownhosts.Normalize(addr), key.Type(), Fingerprint(key))
	}
	if err := os.MkdirAll(filepath.Dir(h.file), 0o700); err != nil {
		return fmt.Errorf("recording host key: %w", err)
	}
	if err := checkKnownHosts(h.file); err != nil {
		return fmt.Errorf("recording host key: %w", err)
	}
	f, err := os.OpenFile(h.file, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("recording host key: %w", err)
	}
	defer f.Close()
	unlock, err := lockFile(f)
	if err != nil {
		return fmt.Errorf("locking %s: %w", h.file, err)
	}
	defer unlock()

	current, err := readKnownHosts(h.file)
	if err != nil {
		return err
	}
	var ke *knownhosts.KeyError
	switch err := current(addr, probeAddr, key); {
	case err == nil:
		return nil // recorded meanwhile by someone else
	case errors.As(err, &ke) && len(ke.Want) > 0:
		return h.changed(addr, key, ke.Want)
	}

	line := knownhosts.Line([]string{addr}, key) + "\n"
	if !endsInNewline(f) {
		line = "\n" + line
	}
	if _, err := f.WriteString(line); err != nil {
		return fmt.Errorf("recording host key in %s: %w", h.file, err)
	}
	return nil
}

// endsInNewline reports whether appending starts on a fresh line.
func endsInNewline(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return true
	}
	b := make([]byte, 1)
	_, err = f.ReadAt(b, st.Size()-1)
	return err != nil || b[0] == '\n'
}
