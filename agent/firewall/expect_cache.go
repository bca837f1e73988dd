package firewall

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ck8s/ck8sctl/agent/atomicfile"
)

// expectKey identifies what the expectation depends on: the profile, the
// backend choice, and the exact programs that print it (the agent and the
// packet filter tool, by path, size and mtime — an upgrade of either
// changes the key).
func (t *txn) expectKey() string {
	id := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		fi, err := os.Stat(p)
		if err != nil {
			return p
		}
		return fmt.Sprintf("%s:%d:%d", p, fi.Size(), fi.ModTime().UnixNano())
	}
	b, _ := json.Marshal(struct {
		C          choice
		P          Profile
		Self, Tool string
	}{t.c, t.prof, id(t.self), id(t.c.Path)})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func (t *txn) expectFile(key string) string {
	return filepath.Join(t.dir, "expect-"+key+".txt")
}

func (t *txn) cachedExpect(key string) (string, bool) {
	b, err := os.ReadFile(t.expectFile(key))
	return string(b), err == nil
}

// storeExpect keeps one cached expectation: the current profile's. A
// failure to write only costs the next run a recomputation.
func (t *txn) storeExpect(key, want string) {
	if err := os.MkdirAll(t.dir, 0o700); err != nil {
		return
	}
	old, _ := filepath.Glob(filepath.Join(t.dir, "expect-*.txt"))
	if atomicfile.Write(t.expectFile(key), []byte(want), 0o600) != nil {
		return
	}
	for _, f := range old {
		if !strings.HasSuffix(f, "expect-"+key+".txt") {
			_ = os.Remove(f)
		}
	}
}
