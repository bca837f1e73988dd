package firewall

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Where boot finds our table: Debian's nftables.service runs
// `nft -f /etc/nftables.conf`, which includes our file. These are host
// paths, written into nftables.conf as they are; the files themselves are
// written under Options.Etc.
const (
	nftConfHost    = "/etc/nftables.conf"
	nftInclude     = "/etc/nftables.d/ck8s.nft"
	nftFileHeader  = "#!/usr/sbin/nft -f\n# Table inet ck8s, written by ck8s-agent: edits are lost on its next apply.\n"
	nftConfCreated = "#!/usr/sbin/nft -f\n"
)

// Persist writes our table to nftables.d/ck8s.nft and makes sure
// nftables.conf includes it. The file starts with the same add+delete pair
// as a snapshot, so it loads at boot (no table yet) and when run again
// while the table exists, and never touches another table.
func (b *nftBackend) Persist(ctx context.Context) ([]string, error) {
	state, err := b.State(ctx)
	if err != nil {
		return nil, fmt.Errorf("persisting table %s: %w", nftTable, err)
	}
	return b.persistState(state)
}

// persistState is Persist of state, our table as State lists it, for a
// caller that knows it already (the confirm: the change it confirms made
// it).
func (b *nftBackend) persistState(state string) ([]string, error) {
	file := filepath.Join(b.o.Etc, strings.TrimPrefix(nftInclude, "/etc/"))
	if err := writeAtomic(file, []byte(nftFileHeader+nftRestore(state)), 0o640); err != nil {
		return nil, fmt.Errorf("persisting table %s: %w", nftTable, err)
	}
	written := []string{file}
	conf := filepath.Join(b.o.Etc, strings.TrimPrefix(nftConfHost, "/etc/"))
	changed, err := nftEnsureInclude(conf)
	if err != nil {
		return written, fmt.Errorf("persisting table %s: %w", nftTable, err)
	}
	if changed {
		written = append(written, conf)
	}
	return written, nil
}

// nftEnsureInclude appends our include to nftables.conf unless a line
// already includes it (by name or by a glob such as nftables.d/*.nft).
// Appending puts it after Debian's `flush ruleset`, which must come first,
// and it keeps the user's file as it is: its mode, owner, a symlink. One
// short O_APPEND write cannot leave half a line behind.
func nftEnsureInclude(conf string) (bool, error) {
	old, err := os.ReadFile(conf)
	if os.IsNotExist(err) {
		return true, writeAtomic(conf, []byte(nftConfCreated+nftIncludeLine()), 0o755)
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", conf, err)
	}
	if nftIncludes(old) {
		return false, nil
	}
	add := nftIncludeLine()
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		add = "\n" + add
	}
	f, err := os.OpenFile(conf, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return false, fmt.Errorf("adding our include to %s: %w", conf, err)
	}
	_, err = f.WriteString(add)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("adding our include to %s: %w", conf, err)
	}
	return true, nil
}

func nftIncludeLine() string { return "include \"" + nftInclude + "\"\n" }

// nftIncludes reports whether an active (uncommented) include line of conf
// names our file.
func nftIncludes(conf []byte) bool {
	for line := range strings.Lines(string(conf)) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "include")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSpace(rest), "#")
		name = strings.Trim(strings.TrimSpace(name), `"`)
		if ok, _ := path.Match(name, nftInclude); ok {
			return true
		}
	}
	return false
}
