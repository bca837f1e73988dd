package action

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// Sweep event types: one per host and sweep, the host's verdict with its
// findings as data. `ck8sctl events --type sweep.non_compliant --host h`
// answers "since when is this host non-compliant".
const (
	TypeSweepCompliant    = "sweep.compliant"
	TypeSweepNonCompliant = "sweep.non_compliant"
	TypeSweepUnreachable  = "sweep.unreachable"
)

var verdictTypes = map[report.Verdict]struct {
	typ    string
	status event.Status
}{
	report.Compliant:    {TypeSweepCompliant, event.StatusOK},
	report.NonCompliant: {TypeSweepNonCompliant, event.StatusFailed},
	report.Unreachable:  {TypeSweepUnreachable, event.StatusFailed},
}

// VerdictData is the data of the sweep.* events.
type VerdictData struct {
	Verdict  report.Verdict  `json:"verdict"`
	Findings []phase.Finding `json:"findings"`
	Error    string          `json:"error,omitempty"`
}

// verdict records the host's sweep verdict after its last event.
func (p *Prepared) verdict(ctx context.Context, t *phase.Target) {
	v := report.VerdictOf(t.Result)
	vt := verdictTypes[v]
	data := VerdictData{Verdict: v, Findings: t.Result.Findings, Error: t.Result.Error}
	if data.Findings == nil {
		data.Findings = []phase.Finding{}
	}
	msg := string(v)
	switch {
	case v == report.Unreachable:
		msg = fmt.Sprintf("unreachable: %s", t.Result.Error)
	case len(t.Result.Findings) > 0:
		var codes []string
		for _, f := range t.Result.Findings {
			if !slices.Contains(codes, f.Code) {
				codes = append(codes, f.Code)
			}
		}
		msg = fmt.Sprintf("%s: %s", v, strings.Join(codes, ", "))
	}
	if err := t.Rec.Emit(ctx, t, "sweep", vt.typ, vt.status, msg, data); err != nil {
		p.Opts.Log.Error("recording the sweep verdict", "host", t.Name, "err", err)
	}
}
