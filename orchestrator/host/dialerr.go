package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
)

// unreachable wraps a failed TCP dial. A cancelled parent context is the
// caller's decision, not the host's fault, so it is passed through as is.
func unreachable(ctx context.Context, c Config, addr string, err error) error {
	if err := callerDone(ctx); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s (connect timeout %s): %w", ErrUnreachable, addr, c.ConnectTimeout, err)
}

// handshakeError sorts a failed handshake into auth (permanent), dropped or
// stalled connections (transient), and the rest (permanent, returned as is:
// e.g. no common algorithm).
func handshakeError(ctx context.Context, c Config, addr string, keys *keyring, err error) error {
	msg := err.Error()
	if err := callerDone(ctx); err != nil {
		return err
	}
	switch {
	case strings.Contains(msg, "unable to authenticate"),
		strings.Contains(msg, "disconnect") && strings.Contains(strings.ToLower(msg), "authentication"):
		return keys.authError(c.User, errors.New("no key accepted"))
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, net.ErrClosed), isTimeout(err):
		return fmt.Errorf("%w: %s: ssh handshake did not complete within %s", ErrUnreachable, addr, c.ConnectTimeout)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return fmt.Errorf("%w: %s: connection dropped during ssh handshake: %w", ErrUnreachable, addr, err)
	}
	return err
}

// callerDone reports the caller's context as ended also in the instant
// after its deadline passed but before its timer fired: the conn deadline,
// set from it, may well fire first.
func callerDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
