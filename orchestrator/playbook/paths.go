package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ExpandPath makes a path from the playbook absolute at load time, so that
// later steps never depend on the working directory: "~" and "~/x" are the
// user's home, a relative path is relative to the playbook's directory.
// "~user" is refused rather than looked up, because the playbook may be
// shared between people whose accounts differ.
func ExpandPath(p, dir string) (string, error) {
	switch {
	case p == "":
		return "", nil
	case p == "~" || strings.HasPrefix(p, "~/"):
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot expand ~: %w", err)
		}
		return filepath.Join(home, p[1:]), nil
	case strings.HasPrefix(p, "~"):
		return "", fmt.Errorf("%q: ~user is not supported, write ~/ or the full path", p)
	case filepath.IsAbs(p):
		return filepath.Clean(p), nil
	}
	return filepath.Join(dir, p), nil
}
