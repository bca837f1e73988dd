// Package cli is ck8sctl's command line: flags, commands and the mapping of
// outcomes to exit codes. Main takes its I/O so tests drive it end to end.
package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/ck8s/ck8sctl/internal/crash"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/internal/termtext"
)

// Version is set by the Makefile through -ldflags.
var Version = "dev"

// Main runs ck8sctl with args and returns the process exit code. A panic
// is a bug in ck8sctl, not bad input: it exits ExitInternal (not the Go
// runtime's 2) with the panic and its stack on stderr.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	// Every printer escapes host-supplied fields; this catches the rest
	// (terminal control characters in anything printed, see termtext).
	stdout, stderr = termtext.Writer{W: stdout}, termtext.Writer{W: stderr}
	defer func() {
		if r := recover(); r != nil {
			code = internalError(stderr, crash.From(r))
		}
	}()
	app := newApp(stdin, stdout, stderr)
	operatorHabits(app, args)
	err := app.Run(args)
	if err != nil {
		fmt.Fprintf(stderr, "ck8sctl: %s\n", termtext.EscapeText(redact.Default().String(err.Error())))
	}
	code = exitCode(err)
	// Flag parsing errors from urfave come back as plain errors.
	if err != nil && code == ExitFailed && isFlagError(err) {
		code = ExitBadInput
	}
	return code
}

// newApp is ck8sctl's command line, not yet run.
func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	app := &ucli.App{
		Name:      "ck8sctl",
		Usage:     "bootstrap and harden Kubernetes staging hosts over SSH",
		Version:   Version,
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
			&ucli.StringFlag{Name: "log-format", Value: "auto", Usage: "auto (text on a terminal, else JSON), json or text"},
		},
		Commands: []*ucli.Command{
			labCommand(),
			bootstrapCommand(),
			hardenCommand(),
			sweepCommand(),
			serveCommand(),
			eventsCommand(),
			scanCommand(),
			dnsCheckCommand(),
			tlsCheckCommand(),
			renderCommand(),
		},
		// urfave/cli prints usage errors itself; we own the exit code.
		ExitErrHandler: func(*ucli.Context, error) {},
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return badInput(err)
		},
	}
	return app
}

// internalError reports a panic, masked like every other line ck8sctl
// prints (a panic value may quote what it was working on).
func internalError(stderr io.Writer, p *crash.Panic) int {
	red := redact.Default()
	fmt.Fprintf(stderr, "ck8sctl: internal error (a bug in ck8sctl; exit %d): %s\n%s", ExitInternal, red.String(p.Error()), red.String(string(p.Stack)))
	return ExitInternal
}

func isFlagError(err error) bool {
	var ee *exitError
	if errors.As(err, &ee) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"flag provided but not defined", "invalid value", "Required flag", "No help topic", "flag needs an argument"} {
		if strings.Contains(strings.ToLower(msg), strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// logger builds the structured logger for a command: JSON on stderr unless
// it is a terminal, always through the redactor.
func logger(c *ucli.Context, r *redact.Redactor) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return nil, badInputf("flag --log-level: %v", err)
	}
	level = quietLevel(c, level)
	w := c.App.ErrWriter
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch f := c.String("log-format"); {
	case f == "json" || (f == "auto" && !isTerminal(w)):
		h = slog.NewJSONHandler(w, opts)
	case f == "text" || f == "auto":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, badInputf("flag --log-format: %q is not auto, json or text", f)
	}
	return slog.New(r.Handler(h)), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := termtext.Raw(w).(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
