package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/internal/crash"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/internal/termtext"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Process is the ck8sctl process: main exits with what it returns. A
// command runs in a supervised child (internal/crash says why), so that a
// Go fatal error, which no recover sees, still exits ExitInternal and
// leaves no run recorded as running.
func Process() int {
	if crash.Child() || !supervised(os.Args) {
		return Main(os.Args, os.Stdin, os.Stdout, os.Stderr)
	}
	out, err := crash.Supervise(os.Args)
	if errors.Is(err, crash.ErrNotStarted) {
		return Main(os.Args, os.Stdin, os.Stdout, os.Stderr)
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "ck8sctl: %v\n", err)
		return ExitInternal
	}
	if out.Crashed {
		return reportCrash(out)
	}
	crash.DieLike(out)
	return out.Code
}

// supervised: every command that works, not the ones that only print
// (help, version, completion scripts and the shell's completion queries,
// run at every Tab, where a second process start would be felt). And not
// `serve`, a daemon its service manager restarts (its runs are rescued
// by the queue, see README), whose notify and watchdog protocol want the
// main process to be the one that works; nor `lab`, whose daemons record
// their owner.
func supervised(args []string) bool {
	for _, a := range args[1:] {
		switch a {
		case "--generate-bash-completion", "--help", "-h":
			return false
		}
	}
	switch commandName(args) {
	case "", "help", "h", "completion", "serve", "lab":
		return false
	}
	return true
}

// commandName is the first argument that is not a global flag or its
// value.
func commandName(args []string) string {
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case a == "--log-level" || a == "-log-level" || a == "--log-format" || a == "-log-format":
			i++ // its value
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

// reportCrash says what the child's crash was (its trace is already on
// stderr) and records the runs it left running as failed with
// ExitInternal, as a recovered panic would have.
func reportCrash(out crash.Outcome) int {
	stderr := termtext.Writer{W: os.Stderr}
	fmt.Fprintf(stderr, "ck8sctl: internal error (a bug in ck8sctl; exit %d): %s (the Go runtime's trace is above)\n",
		ExitInternal, redact.Default().String(out.Headline()))
	dsn, owner := out.Notes[noteDB], out.Notes[noteOwner]
	if dsn == "" || owner == "" {
		return ExitInternal
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, dsn)
	if err == nil {
		var n int
		n, err = db.FinishOwned(ctx, owner, string(report.RunFailed), ExitInternal, time.Now().UTC())
		db.Close()
		if n > 0 {
			fmt.Fprintf(stderr, "ck8sctl: %d run(s) it had started recorded failed with exit %d\n", n, ExitInternal)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "ck8sctl: recording the crashed run as failed: %s (the next run marks it interrupted)\n", redact.Default().String(err.Error()))
	}
	return ExitInternal
}

// What the child tells its supervisor when it opens a store (crash.Note).
const (
	noteDB    = "db"
	noteOwner = "owner"
)
