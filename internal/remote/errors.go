package remote

import (
	"errors"
	"fmt"
	"strings"
)

// ErrConnectionLost: an established connection died (keepalives unanswered
// or EOF). Whatever ran may or may not have finished; the caller decides
// whether to reconnect and repeat (commands should be idempotent).
var ErrConnectionLost = errors.New("connection lost")

// ExitError is a remote command that ran and exited non-zero (or died from
// a signal). Whether to retry depends on the command, not on the transport.
type ExitError struct {
	Code   int    // exit status; 128+n when killed by signal n, as shells report
	Signal string // signal name without "SIG", if any
	Stderr string // last few KiB of the command's stderr
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("exit status %d", e.Code)
	if e.Signal != "" {
		msg = "killed by signal " + e.Signal
	}
	if tail := LastLines(e.Stderr, 3); tail != "" {
		msg += ": " + tail
	}
	return msg
}

// LastLines joins the last n non-empty lines of s with " | ", for error
// messages that must stay on one line.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			out = append([]string{l}, out...)
		}
	}
	return strings.Join(out, " | ")
}
