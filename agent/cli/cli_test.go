package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/agent/lock"
	"github.com/ck8s/ck8sctl/agent/run"
)

func agent(stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Main(append([]string{"ck8s-agent"}, args...), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := agent("", "version")
	want := fmt.Sprintf("ck8s-agent dev protocol 1 linux/%s\n", runtime.GOARCH)
	if code != ExitOK || out != want {
		t.Errorf("version: %d %q, want %q", code, out, want)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"frobnicate"},
		{"version", "extra"},
		{"run", "--no-such-flag"},
		{"journal"},
		{"journal", "--run", "../x"},
		{"journal", "--run", "r1", "--after", "seven"},
	}
	for _, args := range cases {
		code, _, errOut := agent("", args...)
		if code != ExitUsage || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want %d and a message", args, code, errOut, ExitUsage)
		}
	}
}

func TestRunBadPlanExits2(t *testing.T) {
	code, out, errOut := agent("{nope", "run")
	if code != ExitUsage || !strings.Contains(out, `"type":"agent.error"`) || !strings.Contains(errOut, "reading plan from stdin") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if strings.Count(errOut, "reading plan from stdin") != 1 {
		t.Errorf("the error is reported more than once:\n%s", errOut)
	}
}

func TestJournalOfUnknownRun(t *testing.T) {
	code, _, errOut := agent("", "journal", "--state-dir", t.TempDir(), "--run", "r1")
	if code != ExitFailed || !strings.Contains(errOut, "run r1") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = agent("", "journal", "--state-dir", t.TempDir(), "--run", "r1", "--follow", "--timeout", "50ms")
	if code != ExitTimeout || !strings.Contains(errOut, "no journal yet") {
		t.Errorf("follow: exit %d, stderr %q", code, errOut)
	}
}

func TestExitCode(t *testing.T) {
	cases := map[error]int{
		nil:                                  ExitOK,
		errors.New("x"):                      ExitFailed,
		run.ErrStepFailed:                    ExitFailed,
		&run.PlanError{Err: errors.New("x")}: ExitUsage,
		fmt.Errorf("w: %w", &lock.TimeoutError{}):          ExitTimeout,
		fmt.Errorf("follow: %w", context.DeadlineExceeded): ExitTimeout,
		reported{run.ErrStepFailed}:                        ExitFailed,
	}
	for err, want := range cases {
		if got := ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestStepsRegistered(t *testing.T) {
	if got := strings.Join(Steps().Names(), ","); got != "dns,facts,firewall,http01,listeners,manifests,metrics" {
		t.Errorf("steps = %s", got)
	}
}
