package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runDir holds what the labs on this machine share: the lock serialising
// user creation and index claims, and one claim file per index naming the lab
// dir that owns it. It is on tmpfs, like /run/netns, so both vanish together
// at reboot.
const runDir = "/run/ck8s-lab"

func claimPath(index int) string { return filepath.Join(runDir, "index-"+strconv.Itoa(index)) }

// machineLock serialises labs on this machine for the short critical parts.
func machineLock() (*os.File, error) {
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, err
	}
	f, err := lockFile(filepath.Join(runDir, "lock"))
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", runDir, err)
	}
	return f, nil
}

// owns reports whether dir holds a lab with the index.
func owns(dir string, index int) bool {
	st, err := readState(dir)
	return err == nil && st.Options.Index == index
}

// claimIndex makes dir the owner of index; the caller holds machineLock.
// Leftovers of a lab whose dir is gone (a crashed test, a deleted .lab) are
// torn down first: their names are derived from the index, so they would
// collide with ours.
func claimIndex(ctx context.Context, dir string, index int) error {
	b, _ := os.ReadFile(claimPath(index))
	owner := strings.TrimSpace(string(b))
	switch {
	case owner == dir:
		return nil
	case owner != "" && owns(owner, index):
		return fmt.Errorf("%w: index %d belongs to the lab in %s (run lab down there, or use another index)",
			ErrIndexInUse, index, owner)
	case owner == "" && owns(dir, index):
		// Our own lab whose claim file went missing: keep what runs.
	default:
		if err := teardownIndex(ctx, "", index); err != nil {
			return fmt.Errorf("removing stale lab %d: %w", index, err)
		}
	}
	return writeFileAtomic(claimPath(index), []byte(dir+"\n"), 0o644)
}

// releaseIndex drops dir's claim on index, if it still holds it.
func releaseIndex(dir string, index int) error {
	b, err := os.ReadFile(claimPath(index))
	if err != nil || strings.TrimSpace(string(b)) != dir {
		return nil
	}
	if err := os.Remove(claimPath(index)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// teardownIndex removes every host, the DNS server and the bridge of lab
// index.
func teardownIndex(ctx context.Context, dir string, index int) error {
	err := teardownHosts(ctx, dir, index, 0)
	if derr := terminate(dnsServers(index)); derr != nil {
		err = errors.Join(err, fmt.Errorf("stopping the lab's DNS server: %w", derr))
	}
	if br := bridgeName(index); linkExists(br) {
		if berr := ip(ctx, "", []string{"link del " + br}); berr != nil {
			err = errors.Join(err, fmt.Errorf("deleting bridge %s: %w", br, berr))
		}
	}
	return err
}
