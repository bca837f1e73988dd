package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pkg/sftp"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// sftpServers are where distributions put OpenSSH's sftp-server.
var sftpServers = []string{
	"/usr/lib/openssh/sftp-server",     // Debian, Ubuntu
	"/usr/libexec/openssh/sftp-server", // RHEL, Fedora
	"/usr/lib/ssh/sftp-server",         // Arch, Alpine
}

// SFTP returns an SFTP client that writes as the effective user: the "sftp"
// subsystem for root and non-sudo hosts; on sudo hosts sftp-server itself,
// started through `sudo -n`, so uploads land root-owned. The caller closes it.
func (c *Client) SFTP(ctx context.Context) (*sftp.Client, error) {
	cl, err := c.openSFTP(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening sftp on %s: %w", c, err)
	}
	return cl, nil
}

func (c *Client) openSFTP(ctx context.Context) (*sftp.Client, error) {
	var server string
	if c.decorate != nil {
		var err error
		if server, err = c.findSFTPServer(ctx); err != nil {
			return nil, err
		}
	}
	sess, err := c.session()
	if err != nil {
		return nil, err
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	var stderr tailBuffer
	stderr.max = 1 << 10
	sess.Stderr = &stderr
	if server == "" {
		err = sess.RequestSubsystem("sftp")
	} else {
		err = sess.Start("sudo -n " + Quote(server))
	}
	if err != nil {
		sess.Close()
		return nil, c.sessionError(err)
	}
	// The version exchange blocks on a silent peer; closing the session
	// unblocks it when ctx ends.
	stop := context.AfterFunc(ctx, func() { sess.Close() })
	// Concurrent writes: a sequential writer waits one round trip per
	// 32 KiB packet, which turns a 10 MB agent upload into seconds. But
	// not pkg/sftp's default of 64 in flight: OpenSSH's sshd then buffers
	// up to 2 MiB per channel and grows its buffers by copying them, which
	// cost the host 1.6 s of CPU (and 3 s) for the 7 MB agent, against
	// 0.2 s (and 0.8 s) with 16 (sftpInFlight).
	cl, err := sftp.NewClientPipe(stdout, closeBoth{stdin, sess},
		sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(sftpInFlight))
	if !stop() {
		if cl != nil {
			cl.Close()
		}
		return nil, context.Cause(ctx)
	}
	if err != nil {
		sess.Close()
		return nil, fmt.Errorf("%w (stderr: %s)", err, remote.LastLines(stderr.String(), 2))
	}
	return cl, nil
}

// sftpInFlight is how many 32 KiB writes an upload keeps in flight: 512
// KiB per round trip, 10 MB/s at 50 ms, with the host's sshd buffers
// small (see openSFTP).
const sftpInFlight = 16

// closeBoth makes sftp.Client.Close end the session too.
type closeBoth struct {
	io.WriteCloser
	session io.Closer
}

func (c closeBoth) Close() error {
	return errors.Join(c.WriteCloser.Close(), c.session.Close())
}

// findSFTPServer looks for sftp-server without sudo: the paths are world
// readable, and a missing one should not cost a sudo call per path.
func (c *Client) findSFTPServer(ctx context.Context) (string, error) {
	c.sftpMu.Lock()
	defer c.sftpMu.Unlock()
	if c.sftpPath != "" {
		return c.sftpPath, nil
	}
	var script strings.Builder
	for _, p := range sftpServers {
		fmt.Fprintf(&script, "[ -x %s ] && exec echo %s; ", p, p)
	}
	script.WriteString("exit 127")
	var out strings.Builder
	if err := c.run(ctx, script.String(), nil, &out, nil); err != nil {
		return "", fmt.Errorf("no sftp-server in %s: %w", strings.Join(sftpServers, ", "), err)
	}
	c.sftpPath = strings.TrimSpace(out.String())
	return c.sftpPath, nil
}
