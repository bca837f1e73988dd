// Package remotetest fakes a connected host for unit tests of the code
// that works on hosts (bootstrap, orchestrator/phase): a remote.Conn whose
// commands a Go function answers and whose SFTP is a real pkg/sftp server
// over an in-memory pipe. No root, sshd or network is needed, so these
// tests run everywhere, -short included.
package remotetest

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"

	"github.com/pkg/sftp"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// Handler answers one command as the host would: it writes the command's
// output and returns nil, a *remote.ExitError, or an error wrapping
// remote.ErrConnectionLost. stdout and stderr are never nil.
type Handler func(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error

// Conn is a fake remote.Conn. Its zero value (with Handle set) works.
type Conn struct {
	// Name is what String returns, as a real host names itself in errors.
	Name string
	// Handle answers Run. Nil answers every command with exit 0.
	Handle Handler
	// Dir is the SFTP server's working directory, for relative paths;
	// absolute paths are the test machine's own, as on a real host.
	Dir string

	mu     sync.Mutex
	cmds   []string
	closed bool
}

var _ remote.Conn = (*Conn)(nil)

// String implements remote.Runner.
func (c *Conn) String() string { return c.Name }

// Run implements remote.Runner: after Close it fails with
// remote.ErrConnectionLost, and like host.Client it names the command and
// the host in errors and returns the context's cause once ctx ended.
func (c *Conn) Run(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error {
	c.mu.Lock()
	closed := c.closed
	c.cmds = append(c.cmds, cmd)
	c.mu.Unlock()
	if closed {
		return fmt.Errorf("running %q on %s: %w: closed", cmd, c, remote.ErrConnectionLost)
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	var err error
	if c.Handle != nil {
		err = c.Handle(ctx, cmd, stdin, orDiscard(stdout), orDiscard(stderr))
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if err != nil {
		return fmt.Errorf("running %q on %s: %w", cmd, c, err)
	}
	return nil
}

// SFTP implements remote.SFTPOpener with a pkg/sftp server on the other
// end of a net.Pipe. Closing the client stops the server.
func (c *Conn) SFTP(context.Context) (*sftp.Client, error) {
	if c.Closed() {
		return nil, fmt.Errorf("opening sftp on %s: %w: closed", c, remote.ErrConnectionLost)
	}
	client, server := net.Pipe()
	srv, err := sftp.NewServer(server, sftp.WithServerWorkingDirectory(c.Dir))
	if err != nil {
		return nil, err
	}
	go func() {
		_ = srv.Serve() // io.EOF once the client closes its end
		server.Close()
	}()
	cl, err := sftp.NewClientPipe(client, client, sftp.UseConcurrentWrites(true))
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("opening sftp on %s: %w", c, err)
	}
	return cl, nil
}

// Close implements io.Closer; later Runs fail as on a closed connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// Closed reports whether Close was called.
func (c *Conn) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// Commands returns the commands Run was given, in order.
func (c *Conn) Commands() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.cmds)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
