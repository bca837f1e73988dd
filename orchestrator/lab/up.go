package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"
)

// hostParallelism bounds concurrent host setup: each host costs a few execs
// and a short wait for its listeners, so this is mostly waiting, not CPU.
const hostParallelism = 16

// Up builds the lab described by o, or completes and repairs the one already
// in o.Dir: keys are kept, missing pieces are created, dead processes are
// restarted and live ones are left alone, so running it twice changes
// nothing. Hosts above o.Hosts from an earlier, larger lab are removed.
func Up(ctx context.Context, o Options) (*Lab, error) {
	if err := checkPrerequisites(false); err != nil {
		return nil, err
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	o.Dir = dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating lab dir: %w", err)
	}
	if err := checkOwnDir(dir); err != nil {
		return nil, err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if st, err := readState(dir); err == nil && st.Options.Index != o.Index {
		return nil, fmt.Errorf("lab in %s has index %d, not %d: run lab down first", dir, st.Options.Index, o.Index)
	}
	l := newLab(o)
	if err := prepareMachine(ctx, o, l); err != nil {
		return nil, err
	}
	if err := upLab(ctx, o, l); err != nil {
		return nil, err
	}
	return l, nil
}

// prepareMachine does the parts shared by all labs under the machine lock:
// claim the index (and record it in lab.json before anything exists, so Down
// can undo a crash from here on) and create the users.
func prepareMachine(ctx context.Context, o Options, l *Lab) error {
	lock, err := machineLock()
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := claimIndex(ctx, o.Dir, o.Index); err != nil {
		return err
	}
	// A lab.json already there stays until the end of Up: it has the host
	// keys, and Down needs only the index, which cannot change.
	if _, err := readState(o.Dir); errors.Is(err, ErrNoLab) {
		if err := writeState(o, l); err != nil {
			return err
		}
	}
	return ensureUsers(ctx)
}

func upLab(ctx context.Context, o Options, l *Lab) error {
	// /run/sshd is sshd's privilege separation dir; /var/lib/ck8s is the
	// mount point each host binds its own state dir on. Both stay: they are
	// shared with the machine.
	for _, d := range []string{"/run/sshd", "/var/lib/ck8s"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", d, err)
		}
	}
	pub, err := ensureKey(l.KeyFile, "ck8s-lab")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(l.Dir, "authorized_keys"), []byte(pub+" ck8s-lab\n"), 0o644); err != nil {
		return err
	}
	if err := teardownHosts(ctx, l.Dir, o.Index, o.Hosts); err != nil {
		return fmt.Errorf("removing surplus lab hosts: %w", err)
	}
	if err := setupNetwork(ctx, l); err != nil {
		return err
	}
	if err := ensureDNS(ctx, o, l); err != nil {
		return err
	}
	var g errgroup.Group
	g.SetLimit(hostParallelism)
	errs := make([]error, len(l.Hosts))
	for i := range l.Hosts {
		g.Go(func() error { errs[i] = upHost(ctx, l, &l.Hosts[i], o); return nil })
	}
	g.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return writeOutputs(o, l)
}

// upHost brings one host to its working state; every step is idempotent.
func upHost(ctx context.Context, l *Lab, h *Host, o Options) error {
	hd := hostDir(l.Dir, h.Name)
	if err := os.MkdirAll(filepath.Join(hd, "state"), 0o755); err != nil {
		return fmt.Errorf("creating state dir of %s: %w", h.Name, err)
	}
	if err := os.MkdirAll(filepath.Join(hd, "root"), 0o700); err != nil {
		return fmt.Errorf("creating root's home of %s: %w", h.Name, err)
	}
	for _, d := range []string{"etc", "etc.work"} {
		if err := os.MkdirAll(filepath.Join(hd, d), 0o755); err != nil {
			return fmt.Errorf("creating the /etc overlay of %s: %w", h.Name, err)
		}
	}
	var err error
	if h.HostKeyPub, err = ensureKey(filepath.Join(hd, "ssh_host_ed25519_key"), "root@"+h.Name); err != nil {
		return fmt.Errorf("creating host key of %s: %w", h.Name, err)
	}
	if err := writeEtcHosts(*h); err != nil {
		return err
	}
	if changed, err := writeResolvConf(*h, resolvConf(o, l)); err != nil {
		return err
	} else if changed {
		if err := sshdProc(l.Dir, *h).stop(); err != nil {
			return fmt.Errorf("restarting sshd on %s for its new resolv.conf: %w", h.Name, err)
		}
	}
	if err := setupHostNetwork(ctx, *h); err != nil {
		return err
	}
	if err := ensureSSHD(ctx, l.Dir, *h); err != nil {
		return err
	}
	return ensureDecoys(ctx, l.Dir, *h, o.ListenerArgv)
}

// lockDir keeps two Up/Down runs on one lab dir apart.
func lockDir(dir string) (func(), error) {
	f, err := lockFile(filepath.Join(dir, "lab.lock"))
	if err != nil {
		return nil, fmt.Errorf("locking lab dir %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
