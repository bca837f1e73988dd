package firewall

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Persist writes the owned chains into /etc/iptables/rules.v4 and
// rules.v6, where netfilter-persistent restores them at boot, merged with
// what the files already hold (see iptMerge). A family with no file and
// nothing owned gets no file.
func (b *iptBackend) Persist(context.Context) ([]string, error) {
	dir := filepath.Join(b.o.Etc, "iptables")
	var written []string
	for _, f := range b.fams {
		name := filepath.Join(dir, "rules.v4")
		if f.v6 {
			name = filepath.Join(dir, "rules.v6")
		}
		add, err := f.saveTables()
		if err != nil {
			return written, fmt.Errorf("persisting iptables rules: %w", err)
		}
		old, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) && len(add) == 0 {
			continue
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return written, fmt.Errorf("persisting iptables rules: reading %s: %w", name, err)
		}
		merged, err := iptMerge(string(old), add)
		if err != nil {
			return written, fmt.Errorf("persisting iptables rules into %s: %w", name, err)
		}
		if err := writeAtomic(name, []byte(merged), 0o640); err != nil {
			return written, fmt.Errorf("persisting iptables rules: %w", err)
		}
		written = append(written, name)
	}
	return written, nil
}

func (f *iptFamily) saveTables() ([]iptSaveTable, error) {
	var out []iptSaveTable
	for _, h := range iptHooks {
		s, err := f.read(h)
		if err != nil {
			return nil, err
		}
		if s.exists {
			out = append(out, iptSaveTable{table: h.table, hook: h.hook,
				decls: []string{":" + h.chain + " - [0:0]"}, jumps: s.jumps, rules: s.rules})
		}
	}
	return out, nil
}
