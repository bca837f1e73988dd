package host

import (
	"fmt"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// The interfaces a connected host offers are declared in internal/remote,
// where bootstrap and the phases take them without importing this package;
// these names stay for callers of host.
type (
	// Runner runs a command on a host.
	Runner = remote.Runner
	// SFTPOpener opens an SFTP session that writes as the effective user.
	SFTPOpener = remote.SFTPOpener
	// Conn is a connected host: what phases hold on to, and what fakes
	// implement.
	Conn = remote.Conn
)

var (
	_ remote.Runner     = (*Client)(nil)
	_ remote.SFTPOpener = (*Client)(nil)
	_ remote.Conn       = (*Client)(nil)
)

// Client is one SSH connection, through its jump hosts if any. Safe for
// concurrent use: every Run opens its own session.
type Client struct {
	cfg      Config // resolved
	ssh      *ssh.Client
	jump     *Client
	decorate func(string) string // Sudo for sudo hosts, else nil

	done     chan struct{}
	doneOnce sync.Once
	mu       sync.Mutex
	err      error // why done was closed
	sftpMu   sync.Mutex
	sftpPath string // sftp-server, located on first sudo SFTP
}

func newClient(cfg Config, sc *ssh.Client, jump *Client) *Client {
	c := &Client{cfg: cfg, ssh: sc, jump: jump, done: make(chan struct{})}
	if cfg.Sudo && cfg.User != "root" {
		c.decorate = Sudo
	}
	go func() {
		if err := sc.Wait(); err != nil {
			c.die(fmt.Errorf("%w: %v", ErrConnectionLost, err))
		}
		c.die(fmt.Errorf("%w: closed by peer", ErrConnectionLost))
	}()
	if cfg.KeepAlive > 0 {
		go c.keepalive(cfg.KeepAlive)
	}
	return c
}

// String is "name (user@addr:port)".
func (c *Client) String() string { return c.cfg.String() }

// Done is closed when the connection dies (keepalives unanswered, EOF) or
// is closed; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is nil while the connection is alive, then wraps ErrConnectionLost
// (or errClosed after Close).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection and the jump hosts' connections.
func (c *Client) Close() error {
	c.die(errClosed)
	return nil
}

var errClosed = fmt.Errorf("%w: closed", ErrConnectionLost)

// die records the first reason, fires Done and tears everything down.
func (c *Client) die(reason error) {
	c.doneOnce.Do(func() {
		c.mu.Lock()
		c.err = reason
		c.mu.Unlock()
		close(c.done)
		c.ssh.Close()
		if c.jump != nil {
			c.jump.Close()
		}
		if reason != errClosed {
			c.cfg.Logger.Warn("connection lost", "host", c.String(), "err", reason)
		}
	})
}
