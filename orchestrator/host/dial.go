package host

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Dial connects to the host, through its jump hosts, retrying transient
// failures (ErrUnreachable) per Config.Retries. With Config.Sudo it checks
// `sudo -n true` once, so a password prompt fails here and not mid-run.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	c, err := cfg.resolve()
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", cfg, err)
	}
	cl, err := dial(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", c, err)
	}
	return cl, nil
}

// dial takes a resolved Config.
func dial(ctx context.Context, c Config) (*Client, error) {
	var jump *Client
	if c.Jump != nil {
		var err error
		if jump, err = dial(ctx, *c.Jump); err != nil {
			return nil, fmt.Errorf("jump host %s: %w", c.Jump, err)
		}
	}
	cl, err := dialVia(ctx, c, jump)
	if err != nil {
		if jump != nil {
			jump.Close()
		}
		return nil, err
	}
	if err := cl.checkSudo(ctx); err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

func dialVia(ctx context.Context, c Config, jump *Client) (*Client, error) {
	keys, err := loadKeys(c)
	if err != nil {
		return nil, err
	}
	defer keys.close()
	hk, err := newHostKeys(c)
	if err != nil {
		return nil, err
	}
	return withRetry(ctx, c, func() (*Client, error) {
		return connect(ctx, c, jump, keys, hk)
	})
}

// connect is one attempt: TCP (or a channel through the jump host) plus the
// SSH handshake, together bounded by ConnectTimeout — ssh.Dial alone can
// hang forever on a peer that accepts and then says nothing.
func connect(ctx context.Context, c Config, jump *Client, keys *keyring, hk *hostKeys) (*Client, error) {
	attempt, cancel := context.WithTimeout(ctx, c.ConnectTimeout)
	defer cancel()
	addr := net.JoinHostPort(c.Address, strconv.Itoa(c.Port))
	conn, err := dialConn(attempt, c, jump, addr)
	if err != nil {
		return nil, unreachable(ctx, c, addr, err)
	}
	deadline, _ := attempt.Deadline()
	_ = conn.SetDeadline(deadline) // jump channels have no deadlines: the AfterFunc covers them
	stop := context.AfterFunc(attempt, func() { conn.Close() })

	verdict := &hostKeyVerdict{check: hk.check}
	cc := &ssh.ClientConfig{
		User:              c.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(keys.signers...)},
		ClientVersion:     "SSH-2.0-ck8sctl",
		HostKeyCallback:   verdict.callback,
		HostKeyAlgorithms: hk.algorithms(addr),
		Config:            ssh.Config{KeyExchanges: c.KeyExchanges},
	}
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cc)
	if !stop() && err == nil {
		sc.Close() // timed out just as the handshake finished
		err = attempt.Err()
	}
	if hkErr := verdict.err(); hkErr != nil {
		return nil, hkErr // typed, not buried in "ssh: handshake failed"
	}
	if p, ok := conn.(*proxyConn); ok && err != nil {
		err = p.explain(err)
	}
	if err != nil {
		return nil, handshakeError(ctx, c, addr, keys, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return newClient(c, ssh.NewClient(sc, chans, reqs), jump), nil
}

// hostKeyVerdict keeps what the host key check said; it runs on x/crypto's
// key exchange goroutine.
type hostKeyVerdict struct {
	check ssh.HostKeyCallback
	mu    sync.Mutex
	last  error
}

func (v *hostKeyVerdict) callback(host string, remote net.Addr, key ssh.PublicKey) error {
	err := v.check(host, remote, key)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.last = err
	return err
}

func (v *hostKeyVerdict) err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.last
}

// dialConn opens the byte stream the SSH handshake runs over: a channel of
// the jump host, a ProxyCommand's pipes, or TCP.
func dialConn(ctx context.Context, c Config, jump *Client, addr string) (net.Conn, error) {
	if jump != nil {
		return jump.ssh.DialContext(ctx, "tcp", addr)
	}
	if c.ProxyCommand != "" {
		return startProxyCommand(c, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}
