package host

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// Sudo decorates a command to run as root through `sudo -n` (never prompt:
// nobody is there to type). The command goes through sh -c, so pipes and
// redirections apply as root too.
func Sudo(cmd string) string {
	return "sudo -n -- sh -c " + Quote(cmd)
}

// Quote single-quotes s for a POSIX shell (remote.Quote).
func Quote(s string) string { return remote.Quote(s) }

// checkSudo runs `sudo -n true` once on sudo hosts, so a password prompt
// fails at connect time with a clear message instead of halfway through.
func (c *Client) checkSudo(ctx context.Context) error {
	if c.decorate == nil {
		return nil
	}
	err := c.run(ctx, Sudo("true"), nil, nil, nil)
	var ee *ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee) && needsPassword(ee.Stderr):
		return fmt.Errorf("%w: user %q on %s", ErrSudoPassword, c.cfg.User, c.cfg.Address)
	case errors.As(err, &ee):
		return fmt.Errorf("%w: `sudo -n true` as user %q on %s: %w", ErrSudo, c.cfg.User, c.cfg.Address, err)
	}
	return fmt.Errorf("checking sudo: %w", err)
}

// needsPassword recognises sudo's "a password is required" (and the older
// "a terminal is required" when -n is honoured but no tty exists).
func needsPassword(stderr string) bool {
	s := strings.ToLower(stderr)
	return strings.Contains(s, "password is required") || strings.Contains(s, "terminal is required")
}
