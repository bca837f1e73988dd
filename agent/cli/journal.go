package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ck8s/ck8sctl/agent/journal"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// cmdJournal prints a run's journaled events with seq > --after, as the
// NDJSON the run wrote. With --follow it keeps printing until the run's
// final event, bounded by --timeout.
func cmdJournal(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("journal", stderr)
	dir := fs.String("state-dir", plan.DefaultStateDir, "agent state `DIR`")
	runID := fs.String("run", "", "run `ID` (required)")
	after := fs.Int64("after", 0, "print events with seq greater than `SEQ`")
	follow := fs.Bool("follow", false, "wait for the run's final event")
	timeout := fs.Duration("timeout", 10*time.Minute, "with --follow, give up after `D`")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *runID == "" {
		return usageError{errors.New("--run is required")}
	}
	r, err := journal.NewReader(*dir, *runID, *after)
	if err != nil {
		return usageError{err}
	}
	if !*follow {
		if err := r.ReadNew(stdout); err != nil {
			return fmt.Errorf("run %s: %w", *runID, err)
		}
		warnBad(r, stderr)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	err = r.Follow(ctx, stdout, journal.FollowOptions{})
	warnBad(r, stderr)
	return err
}

func warnBad(r *journal.Reader, stderr io.Writer) {
	if r.Bad > 0 {
		fmt.Fprintf(stderr, "ck8s-agent journal: skipped %d malformed line(s)\n", r.Bad)
	}
}
