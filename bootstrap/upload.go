package bootstrap

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/pkg/sftp"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// Exit codes of the install command, and the command. Its hash is
// OpenSSL's where the host has openssl (ca-certificates depends on it),
// which uses the CPU's SHA extensions: 31-72 ms of host CPU for the 19 MB
// agent on the lab's VM, against 160-245 ms for coreutils' sha256sum. A
// missing openssl, or one whose answer differs, only costs the sha256sum
// run that then decides.
//
// The copy ($1, a .zst or .gz; empty when $2 is the raw agent) is
// decompressed by zstd where the launch guard found it: 60-70 ms of host
// CPU for the full agent (45-50 for the light one) against gzip's 250 ms
// on the lab's VM, and 5 % fewer bytes to copy (the light build, zstd
// only: a third fewer). A zstd that fails to decompress exits 100, and
// the upload is made again in gzip, of the full agent (so does a copy
// whose hash is then wrong).
const (
	exitNoZstd   = 100
	exitNoGzip   = 98
	exitBadHash  = 99
	installShell = `umask 077; gz=$1 tmp=$2 final=$3 want=$4
trap 'rm -f "$gz" "$tmp"' EXIT
case "$gz" in
'') ;;
*.zst) zstd -dcq -- "$gz" >"$tmp" 2>/dev/null || exit 100 ;;
*)
	command -v gzip >/dev/null 2>&1 || exit 98
	gzip -dc "$gz" >"$tmp" ;;
esac
sync "$tmp" 2>/dev/null || sync
got=$(openssl dgst -sha256 -r "$tmp" 2>/dev/null); got=${got%% *}
[ "$got" = "$want" ] || got=$(sha256sum "$tmp" | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "sha256 on host is $got, want $want" >&2; exit 99; }
chmod 0755 "$tmp"
mv -f "$tmp" "$final"`
	// installRunTail runs the agent just installed, with the arguments
	// after the install's five (the fifth: the run's ID). The hash was
	// checked on these very bytes a moment ago: the launch guard would
	// only hash them again (60 ms of host CPU for the 19 MB agent), and
	// could not stamp them yet (its stamp waits for a ctime two seconds
	// old). For the same reason it leaves the run an install record (see
	// CommandInRun): the run's later sessions (the firewall's confirm)
	// then find the file they were told of and skip that hash too. exec
	// skips the EXIT trap, so the copy goes first.
	installRunTail = `
trap - EXIT
rm -f "$gz"
run=$5
if [ -n "$run" ] && a=$(` + statIdentity + ` "$final" 2>/dev/null) && [ -n "$a" ]; then
	{ printf '%s %s %s\n' "$want" "$a" "$run" >"$final.installed.$$" && mv -f "$final.installed.$$" "$final.installed"; } 2>/dev/null || rm -f "$final.installed.$$"
fi
shift 5
exec "$final" "$@"`
)

// Upload puts b at AgentPath(stateDir) on the host: copied compressed over
// SFTP to a temporary 0600 name in the same directory, then, in one remote
// command, decompressed, fsynced, its sha256 checked on the host, made
// executable and renamed over the old agent (rename(2): atomic). A failed
// upload leaves the previous agent (or none) in place, never a partial one,
// and no temporary file. A host without gzip gets the uncompressed agent.
// The launch guard has created the directory, root-only.
func Upload(ctx context.Context, c Host, stateDir string, b Binary) error {
	return install(ctx, c, stateDir, b, false, "", nil, func(cmd string, _ int) error {
		_, err := remote.Output(ctx, c, cmd)
		return err
	})
}

// install copies b as Upload does (b's light build where the host has
// zstd, falling back to b's gzip form as b's own zstd form does) and has
// run execute the install command (told how many bytes were copied),
// which with args also runs the installed agent with them for run runID
// (see installRunTail). Failures of the copy and of the install are
// reported as such (an installError); with args, anything else is the
// agent run's and passes through unchanged.
func install(ctx context.Context, c Host, stateDir string, b Binary, zstd bool, runID string, args []string, run func(cmd string, copied int) error) error {
	final := AgentPath(stateDir)
	tmp := path.Join(path.Dir(final), ".ck8s-agent."+randHex()+".tmp")
	var ee *remote.ExitError
	var err error
	gz := true
	zb := b // the light build where there is one: it has only this form
	if b.Light != nil {
		zb = *b.Light
	}
	if zstd {
		var zst *io.SectionReader
		if zst, err = zb.openForm(".zst"); err != nil {
			return installError{err}
		}
		if zst != nil {
			err = copyAndInstall(ctx, c, zst, tmp+".zst", tmp, final, zb.SHA256, runID, args, run)
			// zstd failing, or its output not hashing right (which gzip's
			// may still do): gzip next.
			gz = errors.As(err, &ee) && (ee.Code == exitNoZstd || ee.Code == exitBadHash)
		}
	}
	if gz {
		f, gerr := b.openForm(".gz")
		if gerr != nil {
			return installError{gerr}
		}
		err = copyAndInstall(ctx, c, f, tmp+".gz", tmp, final, b.SHA256, runID, args, run)
	}
	if errors.As(err, &ee) && ee.Code == exitNoGzip {
		raw, rerr := b.Raw()
		if rerr != nil {
			return installError{rerr}
		}
		err = copyAndInstall(ctx, c, inMemory(raw), tmp, "", final, b.SHA256, runID, args, run)
	}
	if err == nil {
		return nil
	}
	if args != nil && !installFailed(err) {
		return err // the agent's run: its exit, or the connection lost while it ran
	}
	return installError{fmt.Errorf("installing agent at %s on %s: %w", final, c, err)}
}

// installFailed tells the copy's and the install command's own failures
// from an agent run's.
func installFailed(err error) bool {
	var ce copyError
	var ee *remote.ExitError
	return errors.As(err, &ce) || errors.As(err, &ee) && (ee.Code == exitNoZstd || ee.Code == exitNoGzip || ee.Code == exitBadHash)
}

// installError is an agent that could not be installed (and did not run).
type installError struct{ error }

func (e installError) Unwrap() error { return e.error }

// copyError is a failure to copy the agent over SFTP.
type copyError struct{ error }

func (e copyError) Unwrap() error { return e.error }

// copyAndInstall writes src to name over SFTP and runs the install
// command on the copy; with tmp empty, name is the uncompressed agent
// itself.
func copyAndInstall(ctx context.Context, c Host, src *io.SectionReader, name, tmp, final, sum, runID string, args []string, run func(cmd string, copied int) error) error {
	sc, err := c.SFTP(ctx)
	if err != nil {
		return copyError{fmt.Errorf("opening SFTP to %s: %w", c, err)}
	}
	copied, err := write(sc, name, src)
	if err != nil {
		_ = sc.Remove(name)
	}
	sc.Close() // not held open while the agent runs
	if err != nil {
		return copyError{fmt.Errorf("copying %s: %w", name, err)}
	}
	gz := name
	if tmp == "" {
		gz, tmp = "", name
	}
	script := installShell
	if args != nil {
		script += installRunTail
	}
	cmd := "sh -c " + remote.Quote(script) + " ck8s-install " + remote.Quote(gz) + " " + remote.Quote(tmp) + " " + remote.Quote(final) + " " + sum
	if args != nil {
		cmd += " " + remote.Quote(runID)
	}
	for _, a := range args {
		cmd += " " + remote.Quote(a)
	}
	return run(cmd, int(copied))
}

// write creates name exclusively with mode 0600 and copies src to it.
func write(sc *sftp.Client, name string, src *io.SectionReader) (int64, error) {
	f, err := sc.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return 0, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return 0, err
	}
	// ReadFrom pipelines the copy as concurrent 32 KiB packets (src's Size
	// tells it to) from one buffer, reading src as it goes.
	n, err := f.ReadFrom(src)
	if err != nil {
		f.Close()
		return n, err
	}
	return n, f.Close()
}

func randHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
