package host

import (
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// Run runs cmd (through `sudo -n` on sudo hosts) with optional stdin,
// streaming stdout and stderr (either may be nil; they are written from
// different goroutines, but never at the same time). A non-zero exit is an
// *ExitError; a dead connection wraps ErrConnectionLost; a cancelled ctx
// signals the command (SIGTERM) and closes the session. Secrets belong on
// stdin: the command line appears in errors.
func (c *Client) Run(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error {
	full := cmd
	if c.decorate != nil {
		full = c.decorate(cmd)
	}
	if err := c.run(ctx, full, stdin, stdout, stderr); err != nil {
		return fmt.Errorf("running %q on %s: %w", cmd, c, err)
	}
	return nil
}

// Output runs cmd and returns its stdout; stderr ends up in the *ExitError.
func (c *Client) Output(ctx context.Context, cmd string) ([]byte, error) {
	return Output(ctx, c, cmd)
}

// Output runs cmd on any Runner and returns its stdout.
func Output(ctx context.Context, r Runner, cmd string) ([]byte, error) {
	return remote.Output(ctx, r, cmd)
}

// run is Run without the decorator and the host in errors.
func (c *Client) run(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	sess, err := c.session()
	if err != nil {
		return err
	}
	defer sess.Close()

	tail := &tailBuffer{max: 4 << 10}
	out := &gatedWriters{}
	sess.Stdout = out.writer(stdout)
	sess.Stderr = out.writer(io.MultiWriter(orDiscard(stderr), tail))
	var in io.WriteCloser
	if stdin != nil {
		// Not sess.Stdin: Wait would then wait for stdin to reach EOF even
		// after the command exited.
		if in, err = sess.StdinPipe(); err != nil {
			return err
		}
	}
	if err := sess.Start(cmd); err != nil {
		return c.sessionError(err)
	}
	if in != nil {
		go func() {
			io.Copy(in, stdin)
			in.Close()
		}()
	}
	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()
	select {
	case err = <-waited:
		return c.exitError(err, tail.String())
	case <-ctx.Done():
	}
	// sshd confirms the close only once the command has exited, so Wait is
	// left behind. SIGTERM reaches the command for non-root logins only
	// (sshd needs privilege separation to signal); either way its stdin
	// is closed. Output arriving from now on is dropped, not written to
	// buffers the caller already owns again.
	out.close()
	sess.Signal(ssh.SIGTERM)
	sess.Close()
	return context.Cause(ctx)
}

func (c *Client) session() (*ssh.Session, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	sess, err := c.ssh.NewSession()
	if err != nil {
		return nil, c.sessionError(err)
	}
	return sess, nil
}

// sessionError blames the connection when it is gone.
func (c *Client) sessionError(err error) error {
	if lost := c.Err(); lost != nil {
		return lost
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: %v", ErrConnectionLost, err)
	}
	return fmt.Errorf("opening session: %w", err)
}

func (c *Client) exitError(err error, stderr string) error {
	var ee *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return &ExitError{Code: ee.ExitStatus(), Signal: ee.Signal(), Stderr: stderr}
	case errors.As(err, &missing), errors.Is(err, io.EOF):
		// The channel closed without an exit status: the connection died,
		// possibly a moment before Done fires.
		if lost := c.Err(); lost != nil {
			return lost
		}
		return fmt.Errorf("%w: session ended without exit status", ErrConnectionLost)
	}
	return err
}
