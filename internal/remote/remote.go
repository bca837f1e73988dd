package remote

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pkg/sftp"
)

// Runner runs a command on a host. String names the host in every log
// line and error.
type Runner interface {
	fmt.Stringer
	// Run runs cmd with optional stdin, streaming stdout and stderr (either
	// may be nil). A non-zero exit is an *ExitError; a dead connection
	// wraps ErrConnectionLost; a cancelled ctx stops the command.
	Run(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error
}

// SFTPOpener opens an SFTP session that writes as the effective user. The
// caller closes the client.
type SFTPOpener interface {
	SFTP(ctx context.Context) (*sftp.Client, error)
}

// Conn is a connected host: what a run holds on to for one host.
type Conn interface {
	Runner
	SFTPOpener
	io.Closer
}

// Dialer opens a new connection to one host: for work that must prove
// something over a fresh connection (a firewall confirmation) or resume
// after a drop.
type Dialer func(ctx context.Context) (Conn, error)

// Output runs cmd on r and returns its stdout; stderr ends up in the
// *ExitError.
func Output(ctx context.Context, r Runner, cmd string) ([]byte, error) {
	var out bytes.Buffer
	err := r.Run(ctx, cmd, nil, &out, nil)
	return out.Bytes(), err
}

// Quote single-quotes s for a POSIX shell.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
