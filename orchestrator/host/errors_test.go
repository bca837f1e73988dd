package host

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func TestRetryable(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return fmt.Errorf("connecting to h (u@a:22): %w", err) }
	notFound := &net.DNSError{Err: "no such host", Name: "typo", IsNotFound: true}
	for err, want := range map[error]bool{
		wrap(ErrUnreachable): true,
		wrap(fmt.Errorf("%w: %w", ErrUnreachable, notFound)): false,
		wrap(ErrConnectionLost):                              true,
		wrap(ErrAuth):                                        false,
		wrap(ErrHostKeyUnknown):                              false,
		wrap(ErrHostKeyRevoked):                              false,
		wrap(&HostKeyChangedError{}):                         false,
		wrap(ErrSudoPassword):                                false,
		wrap(&ExitError{Code: 1}):                            false,
		context.Canceled:                                     false,
	} {
		if got := Retryable(err); got != want {
			t.Errorf("Retryable(%v) = %v, want %v", err, got, want)
		}
	}
	if !errors.Is(ErrSudoPassword, ErrSudo) {
		t.Error("ErrSudoPassword must match ErrSudo")
	}
}

func TestExitErrorMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  ExitError
		want string
	}{
		{ExitError{Code: 2}, "exit status 2"},
		{ExitError{Code: 1, Stderr: "a\n\nb\nc\nd\n"}, "exit status 1: b | c | d"},
		{ExitError{Code: 143, Signal: "TERM", Stderr: "bye"}, "killed by signal TERM: bye"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestNeedsPassword(t *testing.T) {
	t.Parallel()
	for stderr, want := range map[string]bool{
		"sudo: a password is required\n":                    true,
		"sudo: a terminal is required to read the password": true,
		"sudo: command not found":                           false,
		"ck8s is not in the sudoers file.":                  false,
	} {
		if got := needsPassword(stderr); got != want {
			t.Errorf("needsPassword(%q) = %v", stderr, got)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	for i := range 10 {
		full := min(backoffBase<<min(i, 5), backoffMax)
		for range 100 {
			if d := backoff(i); d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", i, d, full/2, full)
			}
		}
	}
}

func TestWithRetryStopsOnPermanentAndCtx(t *testing.T) {
	t.Parallel()
	c := Config{Retries: 5}.withDefaults()
	calls := 0
	_, err := withRetry(t.Context(), c, func() (int, error) { calls++; return 0, ErrAuth })
	if calls != 1 || !errors.Is(err, ErrAuth) {
		t.Errorf("permanent error: %d calls, %v", calls, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	calls = 0
	start := time.Now()
	withRetry(ctx, c, func() (int, error) { calls++; return 0, ErrUnreachable })
	if calls > 2 || time.Since(start) > time.Second {
		t.Errorf("ctx ignored: %d calls in %s", calls, time.Since(start))
	}
}

func TestTailBufferKeepsEnd(t *testing.T) {
	t.Parallel()
	tb := &tailBuffer{max: 8}
	tb.Write([]byte("0123456789"))
	tb.Write([]byte("ab"))
	if got := tb.String(); got != "456789ab" {
		t.Errorf("got %q", got)
	}
	if s := (&HostKeyChangedError{Host: "h", Want: "W", Got: "G"}).Error(); !strings.Contains(s, "W") || !strings.Contains(s, "G") {
		t.Errorf("message %q lacks fingerprints", s)
	}
}
