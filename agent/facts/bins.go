package facts

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// binDirs are where packaged and hand-installed programs live; searched in
// order, as a root shell's PATH would be.
var binDirs = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// findBinary returns the host path of the program name under root, or ""
// if none is installed. Symlinks are followed under root, never out of it.
func findBinary(root, name string) string {
	for _, d := range binDirs {
		p := path.Join(d, name)
		target, err := resolve(root, p)
		if err != nil {
			continue
		}
		if fi, err := os.Stat(filepath.Join(root, target)); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// resolve follows the symlinks of the host path p, interpreting absolute
// targets under root rather than on the machine the agent runs on, and
// returns the host path they end at (alternatives: iptables ->
// /etc/alternatives/iptables -> /usr/sbin/iptables-nft -> xtables-nft-multi).
func resolve(root, p string) (string, error) {
	for range 40 { // as many hops as the kernel allows (ELOOP)
		fi, err := os.Lstat(filepath.Join(root, p))
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		target, err := os.Readlink(filepath.Join(root, p))
		if err != nil {
			return "", err
		}
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(p), target)
		}
		p = path.Clean(target)
	}
	return "", fmt.Errorf("resolving %s: too many symlinks", p)
}
