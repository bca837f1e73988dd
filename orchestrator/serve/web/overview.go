package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// overview is GET /: every host's newest outcome, then the recent runs.
func (h *handler) overview(w http.ResponseWriter, r *http.Request) {
	states, err := h.src.Hosts(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	runs, err := h.src.ListRuns(r.Context(), store.RunFilter{Limit: recentRuns})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	now := h.opts.Now()
	v := overviewView{}
	for _, s := range states {
		v.Hosts = append(v.Hosts, h.hostState(s, now))
	}
	v.Counts = countVerdicts(v.Hosts)
	for _, run := range runs {
		v.Runs = append(v.Runs, runOf(run, now))
	}
	h.render(w, r, http.StatusOK, "overview", v)
}

// hostState is a host's row. The verdict comes from the store's column,
// so a report that no longer decodes still shows it.
func (h *handler) hostState(s store.HostState, now time.Time) hostView {
	v := hostView{Name: s.Host, Verdict: s.Verdict, Status: s.Status, RunID: s.RunID, Action: s.Action, Finished: s.Finished}
	var rep report.Host
	if err := json.Unmarshal(s.Report, &rep); err != nil {
		h.opts.Log.Warn("host report does not decode", "host", s.Host, "run", s.RunID, "err", err)
		v.Unreadable = true
		return v
	}
	return hostOf(v, rep, now)
}

// verdictOrder is how the counts read: good news first.
var verdictOrder = []string{string(report.Compliant), string(report.NonCompliant), string(report.Unreachable)}

// countVerdicts counts hosts by verdict: the three known ones always
// (a zero is news too), any other after them.
func countVerdicts(hosts []hostView) []countView {
	counts := make([]countView, len(verdictOrder))
	for i, v := range verdictOrder {
		counts[i].Verdict = v
	}
	for _, host := range hosts {
		i := slices.IndexFunc(counts, func(c countView) bool { return c.Verdict == host.Verdict })
		if i < 0 {
			counts, i = append(counts, countView{Verdict: host.Verdict}), len(counts)
		}
		counts[i].N++
	}
	return counts
}

// runOf is a run's row; a run still going shows how long so far.
func runOf(r store.Run, now time.Time) runView {
	v := runView{ID: r.ID, Action: r.Command, Trigger: r.Trigger, Status: r.Status, Playbook: r.Playbook,
		Limit: r.Limit, Started: r.Started, Finished: r.Finished, Hosts: r.Hosts, Attempt: r.Attempt,
		ExitCode: r.ExitCode, Check: r.Check}
	switch {
	case !r.Finished.IsZero():
		v.Duration = r.Finished.Sub(r.Started)
	case r.Status == store.StatusRunning:
		v.Running, v.Duration = true, now.Sub(r.Started)
	case r.Status == store.StatusQueued:
		v.Running = true
	}
	return v
}
