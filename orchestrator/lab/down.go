package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// labFiles are the files Up creates directly in the lab dir; Down removes
// these and hosts/, and the dir itself only if nothing else is left in it.
var labFiles = []string{"authorized_keys", "id_ed25519", "id_ed25519.pub", "known_hosts", "playbook.yaml",
	"dns.json", "dns.pid", "dns.log"}

// Down stops the lab in dir and removes everything it created except the
// machine's users: processes (by recorded pid, and whatever else runs inside
// its hosts' namespaces), namespaces, veths, the bridge and the lab's files.
// A dir without a lab is success, so Down can always be retried; after a
// failure lab.json is kept for the retry.
func Down(ctx context.Context, dir string) error {
	if err := checkPrerequisites(true); err != nil {
		return err
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	st, err := readState(dir)
	if errors.Is(err, ErrNoLab) {
		return nil
	} else if err != nil {
		return err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	index := st.Options.Index
	if err := teardownOwned(ctx, dir, index); err != nil {
		return fmt.Errorf("stopping lab %s: %w", dir, err)
	}
	var errs []error
	for _, f := range append(labFiles, "hosts", "lab.json", "lab.lock") {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, f)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing lab files in %s: %w", dir, err)
	}
	os.Remove(dir) // only succeeds when empty: keep what others put there
	return nil
}

// teardownOwned tears down lab index unless another lab has claimed it since
// (it took ours over as stale): then the namespaces are no longer ours.
func teardownOwned(ctx context.Context, dir string, index int) error {
	lock, err := machineLock()
	if err != nil {
		return err
	}
	defer lock.Close()
	b, _ := os.ReadFile(claimPath(index))
	if owner := strings.TrimSpace(string(b)); owner != "" && owner != dir && owns(owner, index) {
		return nil
	}
	if err := teardownIndex(ctx, dir, index); err != nil {
		return err
	}
	return releaseIndex(dir, index)
}
