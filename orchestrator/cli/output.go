package cli

import (
	"fmt"
	"log/slog"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// What reaches the terminal: live progress only on a terminal and never
// with --quiet; terminal escapes only when NO_COLOR (no-color.org) is
// unset and the terminal is not "dumb"; with --quiet a table report
// shrinks to its final summary line, errors still go to stderr, and the
// machine formats (-o json, junit, prometheus) are printed whole.

var quietFlag = &ucli.BoolFlag{
	Name: "quiet", Aliases: []string{"q"}, EnvVars: []string{"CK8S_QUIET"},
	Usage: "print only errors and the final summary line (logs at error level)",
}

func isQuiet(c *ucli.Context) bool { return c.Bool("quiet") }

// liveProgress reports whether a command printing format may show live
// progress on stderr.
func liveProgress(c *ucli.Context, format string) bool {
	return format == "table" && !isQuiet(c) && isTerminal(c.App.ErrWriter)
}

// escapesAllowed reports whether terminal escape sequences (colour, line
// clearing) may be written.
func escapesAllowed() bool {
	return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// quietLevel raises the log level to error under --quiet.
func quietLevel(c *ucli.Context, l slog.Level) slog.Level {
	if isQuiet(c) {
		return max(l, slog.LevelError)
	}
	return l
}

// writeRun prints an action's report, or under --quiet its summary line.
func writeRun(c *ucli.Context, format string, r report.Run) error {
	if format == "table" && isQuiet(c) {
		return report.SummaryLine(c.App.Writer, r)
	}
	return report.Write(c.App.Writer, format, r)
}

// writeCheckSummary is dns-check's and tls-check's one line under --quiet.
func writeCheckSummary(c *ucli.Context, code int, summary string) error {
	_, err := fmt.Fprintf(c.App.Writer, "%s: %s, exit %d\n", c.Command.Name, summary, code)
	return err
}

// writeScanSummary is scan's one line under --quiet.
func writeScanSummary(c *ucli.Context, code int, summary string) error {
	_, err := fmt.Fprintf(c.App.Writer, "scan: %s, exit %d\n", summary, code)
	return err
}
