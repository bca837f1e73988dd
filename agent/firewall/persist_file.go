package firewall

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ck8s/ck8sctl/agent/atomicfile"
)

// writeAtomic replaces name with data, creating its directory, so boot
// never restores a half-written file (rules.v4, ck8s.nft).
func writeAtomic(name string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return atomicfile.Write(name, data, mode)
}
