package firewall

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Persist writes the owned chains into /etc/iptables/rules.v4 and
// rules.v6, where netfilter-persistent restores them at boot, merged with
// what the files already hold (see iptMerge). A family with no file and
// nothing owned gets no file.
func (b *iptBackend) Persist(context.Context) ([]string, error) {
	return b.persist((*iptFamily).saveTables)
}

// persistState is Persist of state, the owned chains as State lists them,
// for a caller that knows them already (the confirm: the change it
// confirms made them): four iptables-save runs less.
func (b *iptBackend) persistState(state string) ([]string, error) {
	return b.persist(func(f *iptFamily) ([]iptSaveTable, error) { return f.stateTables(state), nil })
}

// persist writes each family's file with the tables tables gives it.
func (b *iptBackend) persist(tables func(*iptFamily) ([]iptSaveTable, error)) ([]string, error) {
	dir := filepath.Join(b.o.Etc, "iptables")
	var written []string
	for _, f := range b.fams {
		name := filepath.Join(dir, "rules.v4")
		if f.v6 {
			name = filepath.Join(dir, "rules.v6")
		}
		add, err := tables(f)
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

// saveTables lists the owned chains of f, for its file.
func (f *iptFamily) saveTables() ([]iptSaveTable, error) {
	var out []iptSaveTable
	for _, h := range iptHooks {
		s, err := f.read(h)
		if err != nil {
			return nil, err
		}
		out = h.saveTable(out, s)
	}
	return out, nil
}

// stateTables is saveTables from state (State's lines) instead of a
// listing.
func (f *iptFamily) stateTables(state string) []iptSaveTable {
	var out []iptSaveTable
	for _, h := range iptHooks {
		prefix := f.name + " " + h.table + " "
		var lines []string
		for _, l := range strings.Split(state, "\n") {
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				lines = append(lines, rest)
			}
		}
		out = h.saveTable(out, h.chainState(lines))
	}
	return out
}

// saveTable appends h's chain s to out if it exists.
func (h iptHook) saveTable(out []iptSaveTable, s iptChainState) []iptSaveTable {
	if !s.exists {
		return out
	}
	return append(out, iptSaveTable{table: h.table, hook: h.hook,
		decls: []string{":" + h.chain + " - [0:0]"}, jumps: s.jumps, rules: s.rules})
}
