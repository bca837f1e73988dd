// Package cli is the ck8s-agent command line: `run` (a plan on stdin,
// events on stdout), `journal` (reread a run's events after a dropped
// connection), `firewall-confirm` (confirm a firewall change over a new
// connection) and `version`. It uses only the flag package, to keep the
// agent small.
//
// Exit codes, the same for every subcommand:
//
//	0  success: every step ok (or changed); journal: all asked for printed;
//	   firewall-confirm: the change is confirmed (now or before)
//	1  failure: a step failed, or the run could not complete (state
//	   directory unusable, interrupted); journal: unreadable, or the agent
//	   died before its final event; firewall-confirm: too late (rolled
//	   back, or past its deadline) or an unknown change
//	2  bad input: bad plan (JSON, protocol, unknown step, bad mask) or bad
//	   flags; not retryable as is
//	3  timed out: another run held the host lock for longer than the plan's
//	   lockWait; journal --follow: no final event before --timeout. Retry
//	   later.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/ck8s/ck8sctl/agent/lock"
	"github.com/ck8s/ck8sctl/agent/run"
)

// Exit codes; see the package documentation.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitUsage   = 2
	ExitTimeout = 3
)

const usage = `usage:
  ck8s-agent run [--root DIR] [--log-level LEVEL] < plan.json
  ck8s-agent journal --run ID [--state-dir DIR] [--after SEQ] [--follow [--timeout D]]
  ck8s-agent firewall-confirm --id ID [--state-dir DIR]
  ck8s-agent http01-verdict --run ID --passed=BOOL [--reason TEXT] [--state-dir DIR]
  ck8s-agent version
`

// Main runs the agent with its arguments and standard streams and returns
// the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	cmds := map[string]func([]string, io.Reader, io.Writer, io.Writer) error{
		"run":     cmdRun,
		"journal": cmdJournal,
		"version": cmdVersion,
		// firewall-watchdog: the firewall step's own helper, not in the
		// usage text (see firewall.go).
		"firewall-confirm":  cmdFirewallConfirm,
		"firewall-watchdog": cmdFirewallWatchdog,
		"http01-verdict":    cmdHTTP01Verdict,
	}
	cmd, ok := cmds[args[1]]
	if !ok {
		fmt.Fprintf(stderr, "ck8s-agent: unknown command %q\n%s", args[1], usage)
		return ExitUsage
	}
	err := cmd(args[2:], stdin, stdout, stderr)
	code := ExitCode(err)
	if err != nil && !errors.Is(err, errReported) {
		fmt.Fprintf(stderr, "ck8s-agent %s: %v\n", args[1], err)
	}
	return code
}

// errReported marks errors already reported (as events and log lines), not
// to be printed again.
var errReported = errors.New("reported")

type reported struct{ err error }

func (e reported) Error() string   { return e.err.Error() }
func (e reported) Unwrap() []error { return []error{e.err, errReported} }

// usageError is a bad command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// ExitCode maps an error to the exit code: the one place where error
// categories become process status.
func ExitCode(err error) int {
	var pe *run.PlanError
	var te *lock.TimeoutError
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &pe), errors.As(err, &ue), errors.Is(err, flag.ErrHelp):
		return ExitUsage
	case errors.As(err, &te), errors.Is(err, context.DeadlineExceeded):
		return ExitTimeout
	}
	return ExitFailed
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ck8s-agent "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return reported{usageError{err}} // flag printed it already
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	return nil
}
