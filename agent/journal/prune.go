package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Prune removes all but the newest keep journals in stateDir, never the
// one of the run named current. Run it while holding the host lock, so two
// runs do not prune at once.
func Prune(stateDir string, keep int, current string) error {
	dir := filepath.Join(stateDir, Dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("pruning journals: %w", err)
	}
	type journal struct {
		name string
		mod  time.Time
	}
	var all []journal
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".ndjson") || name == current+".ndjson" {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		all = append(all, journal{name, info.ModTime()})
	}
	keep-- // the current run's journal counts
	if len(all) <= keep {
		return nil
	}
	slices.SortFunc(all, func(a, b journal) int { return b.mod.Compare(a.mod) })
	var errs []error
	for _, j := range all[max(keep, 0):] {
		if err := os.Remove(filepath.Join(dir, j.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("pruning journal %s: %w", j.name, err))
		}
	}
	return errors.Join(errs...)
}
