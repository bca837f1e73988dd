package bootstrap

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/pkg/sftp"

	"github.com/ck8s/ck8sctl/orchestrator/host"
)

// Upload puts b at AgentPath(stateDir) on the host: written to a temporary
// 0600 name in the same directory, fsynced, its sha256 verified on the host,
// then made executable and renamed over the old agent in one atomic step.
// A failed upload leaves the previous agent (or none) in place, never a
// partial one.
func Upload(ctx context.Context, c *host.Client, stateDir string, b Binary) error {
	dir := path.Dir(AgentPath(stateDir))
	// The state dir holds the journal (events may carry host details):
	// root-only, like /var/lib/* services keep theirs.
	mk := fmt.Sprintf("umask 077 && mkdir -p %s && chmod 0700 %s", host.Quote(dir), host.Quote(stateDir))
	if _, err := c.Output(ctx, "sh -c "+host.Quote(mk)); err != nil {
		return fmt.Errorf("creating %s on %s: %w", dir, c, err)
	}
	sc, err := c.SFTP(ctx)
	if err != nil {
		return fmt.Errorf("opening SFTP to %s: %w", c, err)
	}
	defer sc.Close()

	tmp := path.Join(dir, ".ck8s-agent."+randHex()+".tmp")
	if err := write(sc, tmp, b.Data); err != nil {
		_ = sc.Remove(tmp)
		return fmt.Errorf("uploading agent to %s:%s: %w", c, tmp, err)
	}
	out, err := c.Output(ctx, "sha256sum "+host.Quote(tmp))
	got, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if err != nil || got != b.SHA256 {
		_ = sc.Remove(tmp)
		if err == nil {
			err = fmt.Errorf("sha256 on host is %q, want %s", got, b.SHA256)
		}
		return fmt.Errorf("verifying uploaded agent on %s: %w", c, err)
	}
	if err := sc.Chmod(tmp, 0o755); err != nil {
		_ = sc.Remove(tmp)
		return fmt.Errorf("chmod agent on %s: %w", c, err)
	}
	if err := sc.PosixRename(tmp, AgentPath(stateDir)); err != nil {
		_ = sc.Remove(tmp)
		return fmt.Errorf("installing agent on %s: %w", c, err)
	}
	return nil
}

// write creates name exclusively with mode 0600, writes data and fsyncs it
// (fsync@openssh.com), so the hash check reads what is on disk.
func write(sc *sftp.Client, name string, data []byte) error {
	f, err := sc.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.ReadFrom(bytes.NewReader(data)); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync: %w", err)
	}
	return f.Close()
}

func randHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
