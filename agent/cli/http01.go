package cli

import (
	"errors"
	"io"

	"github.com/ck8s/ck8sctl/agent/http01"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// cmdHTTP01Verdict records the orchestrator's verdict on run ID's ACME
// http-01 rehearsal, which the run's manifests step waits for:
//
//	http01-verdict --run ID --passed=BOOL [--reason TEXT] [--state-dir DIR]
func cmdHTTP01Verdict(args []string, _ io.Reader, _, stderr io.Writer) error {
	fs := newFlags("http01-verdict", stderr)
	dir := fs.String("state-dir", plan.DefaultStateDir, "agent state `DIR`")
	run := fs.String("run", "", "run `ID` (required)")
	passed := fs.Bool("passed", false, "the rehearsal passed")
	reason := fs.String("reason", "", "why it failed")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *run == "" {
		return usageError{errors.New("--run is required")}
	}
	return http01.WriteVerdict(*dir, *run, http01.Verdict{Passed: *passed, Reason: *reason})
}
