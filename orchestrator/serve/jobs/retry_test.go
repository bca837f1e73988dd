package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/riverqueue/river/rivertype"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// TestRetryDecision is the retry policy: a sweep is retried when a host
// was unreachable; a changing action only when no host was reachable (so
// nothing changed); an answer (non-compliant, failed) is never retried;
// an attempt cut by shutdown is retried for a sweep and cancelled for a
// changing action.
func TestRetryDecision(t *testing.T) {
	rep := func(hosts, unreachable int) report.Run {
		return report.Run{ID: "r", Summary: report.Summary{Hosts: hosts, Unreachable: unreachable, NonCompliant: 1}}
	}
	live := context.Background()
	cut, cancel := context.WithCancel(context.Background())
	cancel()
	const (
		done = iota
		retry
		cancelJob
	)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		act  action.Name
		rep  report.Run
		want int
	}{
		{"sweep, all reached", live, action.Sweep, rep(3, 0), done},
		{"sweep, one unreachable", live, action.Sweep, rep(3, 1), retry},
		{"harden, one unreachable of three", live, action.Harden, rep(3, 1), done},
		{"harden, none reachable", live, action.Harden, rep(3, 3), retry},
		{"bootstrap, all reached", live, action.Bootstrap, rep(2, 0), done},
		{"sweep cut by shutdown", cut, action.Sweep, rep(3, 0), retry},
		{"harden cut by shutdown", cut, action.Harden, rep(3, 0), cancelJob},
	} {
		err := retryDecision(tc.ctx, RunArgs{Action: tc.act}, tc.rep)
		var jc *rivertype.JobCancelError
		got := done
		switch {
		case errors.As(err, &jc):
			got = cancelJob
		case err != nil:
			got = retry
		}
		if got != tc.want {
			t.Errorf("%s: %v (decision %d, want %d)", tc.name, err, got, tc.want)
		}
	}
}

// What River keeps of a failed job (its errors column, shown by riverui)
// carries no secret the daemon knows.
func TestJobErrorsMasked(t *testing.T) {
	const secret = "hook-secret-0123456789"
	e := &Env{Secrets: []string{secret}}
	err := masked(e.redactor(), fmt.Errorf("run r1: agent said %s", secret))
	if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "run r1") {
		t.Errorf("masked error %q", err)
	}
}
