package http01

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ck8s/ck8sctl/agent/atomicfile"
	"github.com/ck8s/ck8sctl/agent/journal"
)

// Verdict is the orchestrator's judgement of a rehearsal, delivered to the
// host over a new connection (`ck8s-agent http01-verdict`): only the
// orchestrator fetched the challenge from outside, and the manifests step
// of the same run must not create a ClusterIssuer unless it passed.
type Verdict struct {
	Passed bool   `json:"passed"`
	Reason string `json:"reason,omitempty"`
}

func verdictPath(stateDir, runID string) string {
	return filepath.Join(stateDir, "http01", "verdict-"+runID+".json")
}

// WriteVerdict records v for run runID, atomically: the waiting step
// reads a whole verdict or none.
func WriteVerdict(stateDir, runID string, v Verdict) error {
	if err := journal.ValidRunID(runID); err != nil {
		return err
	}
	p := verdictPath(stateDir, runID)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteJSON(p, v, 0o600)
}

// AwaitVerdict waits up to timeout for run runID's verdict.
func AwaitVerdict(ctx context.Context, stateDir, runID string, timeout time.Duration) (Verdict, error) {
	deadline := time.Now().Add(timeout)
	for {
		b, err := os.ReadFile(verdictPath(stateDir, runID))
		if err == nil {
			var v Verdict
			if err := json.Unmarshal(b, &v); err != nil {
				return Verdict{}, fmt.Errorf("http-01 rehearsal verdict: %w", err)
			}
			return v, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return Verdict{}, err
		}
		if time.Now().After(deadline) {
			return Verdict{}, fmt.Errorf("no verdict on the http-01 rehearsal from the orchestrator within %s", timeout)
		}
		select {
		case <-ctx.Done():
			return Verdict{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
