package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

func TestHostsExitPrecedence(t *testing.T) {
	s := func(sts ...phase.Status) []*phase.Result {
		var out []*phase.Result
		for _, st := range sts {
			out = append(out, &phase.Result{Status: st})
		}
		return out
	}
	cases := []struct {
		results []*phase.Result
		want    int
	}{
		{s(phase.StatusOK, phase.StatusOK), ExitOK},
		{s(phase.StatusOK, phase.StatusFailed), ExitFailed},
		{s(phase.StatusFailed, phase.StatusRolledBack), ExitRolledBack},
		{s(phase.StatusRolledBack, phase.StatusUnreachable, phase.StatusFailed), ExitUnreachable},
		{nil, ExitOK},
	}
	for _, c := range cases {
		if got := report.New(report.Meta{}, c.results, 0).ExitCode; got != c.want {
			t.Errorf("exit of %v = %d, want %d", c.results, got, c.want)
		}
	}
}

func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("connecting to lab-1: %w", err) }
	cases := map[error]phase.Status{
		nil:                                   phase.StatusOK,
		wrap(host.ErrUnreachable):             phase.StatusUnreachable,
		wrap(host.ErrAuth):                    phase.StatusUnreachable,
		wrap(host.ErrHostKeyUnknown):          phase.StatusUnreachable,
		wrap(&host.HostKeyChangedError{}):     phase.StatusUnreachable,
		wrap(host.ErrSudoPassword):            phase.StatusUnreachable,
		wrap(phase.ErrHostBusy):               phase.StatusUnreachable,
		wrap(phase.ErrStepsFailed):            phase.StatusFailed,
		errors.New("agent rejected the plan"): phase.StatusFailed,
	}
	for err, want := range cases {
		if got := phase.Classify(err); got != want {
			t.Errorf("Classify(%v) = %s, want %s", err, got, want)
		}
	}
}
