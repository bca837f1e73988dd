package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ck8s/ck8sctl/internal/readfile"
)

// Limits on the files a Config names: each is read whole into memory (or,
// known_hosts, line by line by x/crypto), so a file pointed at by mistake —
// a disk image, /dev/zero — must not take the process down.
const (
	MaxIdentityFileSize = 64 << 10 // a 16384-bit RSA key in PEM is about 13 KiB
	MaxSSHConfigSize    = 1 << 20
	MaxKnownHostsSize   = 64 << 20 // hundreds of thousands of hosts
)

// ErrKeyPermissions: an identity file is accessible by group or others,
// which OpenSSH refuses ("UNPROTECTED PRIVATE KEY FILE"), and so do we.
var ErrKeyPermissions = errors.New("private key is accessible by others")

// CheckFiles checks the files c names explicitly, and its jump hosts', the
// way ssh checks its command line before connecting: each identity file
// must exist, be a regular file no larger than MaxIdentityFileSize and be
// private to its owner; the ssh_config file, unless "" or "none", must
// exist; a known_hosts file may be missing (every host unknown) but must
// otherwise be a regular file. Then it reads ssh_config as Dial will, for
// the host and its jump hosts: a setting ck8sctl refuses
// (ErrInsecureSSHConfig), a malformed one, or a UserKnownHostsFile or
// GlobalKnownHostsFile of the wrong kind is an error too. Errors name the
// field and the file (file:line for ssh_config).
func (c Config) CheckFiles() error {
	if err := c.checkExplicit(); err != nil {
		return err
	}
	r, err := c.resolve()
	if errors.Is(err, errNoAddress) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for h := &r; h != nil; h = h.Jump {
		for _, f := range h.knownHosts {
			if err := checkKnownHosts(f); err != nil {
				errs = append(errs, fmt.Errorf("ssh config UserKnownHostsFile/GlobalKnownHostsFile of %s: %w", h, err))
			}
		}
	}
	return errors.Join(errs...)
}

// checkExplicit checks the files c and its jump hosts name themselves.
func (c Config) checkExplicit() error {
	var errs []error
	for _, f := range c.IdentityFiles {
		if err := checkIdentityFile(f); err != nil {
			errs = append(errs, fmt.Errorf("identityFile %w", err))
		}
	}
	if p := c.SSHConfigFile; p != "" && p != "none" {
		if err := readfile.Check(p, MaxSSHConfigSize); err != nil {
			errs = append(errs, fmt.Errorf("ssh config: %w", err))
		}
	}
	if err := checkKnownHosts(c.KnownHostsFile); err != nil {
		errs = append(errs, fmt.Errorf("knownHostsFile %w", err))
	}
	if c.Jump != nil {
		if err := c.Jump.checkExplicit(); err != nil {
			errs = append(errs, fmt.Errorf("jump host %s: %w", c.Jump, err))
		}
	}
	return errors.Join(errs...)
}

func checkIdentityFile(path string) error {
	f, fi, err := readfile.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi.Size() > MaxIdentityFileSize {
		return fmt.Errorf("%s: %w: %d bytes, more than the limit of %s", path, readfile.ErrTooLarge, fi.Size(), readfile.Size(MaxIdentityFileSize))
	}
	return keyPermissions(path, fi)
}

// keyPermissions is OpenSSH's sshkey_perm_ok: a key file owned by the user
// must not be accessible by anyone else. (One owned by another user, which
// root may read, is not checked, as ssh does not.)
func keyPermissions(path string, fi fs.FileInfo) error {
	if fileOwner(fi) != os.Getuid() || fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w: permissions %04o are too open (chmod 600 %s)", path, ErrKeyPermissions, fi.Mode().Perm(), path)
}

// checkKnownHosts allows a missing file ("" is the default, checked at
// dial) and refuses anything but a regular file of a sane size.
func checkKnownHosts(path string) error {
	if path == "" {
		return nil
	}
	err := readfile.Check(path, MaxKnownHostsSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
