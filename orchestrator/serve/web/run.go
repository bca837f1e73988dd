package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// run is GET /runs/{id}: the run, its hosts' verdicts once reported, and
// its events so far; a run still going gets the live timeline.
func (h *handler) run(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	// The run first, then its events: a run read as finished has all its
	// events stored, and one read as running gets the rest over SSE.
	run, err := h.src.Run(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.render(w, r, http.StatusNotFound, "error", errorView{Title: "Run not found",
			Message: "No run has the id " + id + "; it may have been pruned."})
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	evs, err := h.src.EventsAfter(r.Context(), id, 0, 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := runPageView{Run: runOf(run, h.opts.Now())}
	v.Summary, v.Hosts = h.reported(run)
	for _, e := range evs {
		v.Events = append(v.Events, eventView{ID: e.ID, Time: e.Time, Host: e.Host, Type: e.Type,
			Step: e.Step, Status: string(e.Status), Message: e.Message})
		v.LastID = e.ID
	}
	if v.Run.Running {
		v.Live, v.EventsURL, v.EventTypes = true, h.opts.EventsURL(id), strings.Join(eventTypes, " ")
	}
	h.render(w, r, http.StatusOK, "run", v)
}

// reported is the run's summary and hosts from its report; nothing
// before the report is in, or when it does not decode (logged).
func (h *handler) reported(run store.Run) (*report.Summary, []hostView) {
	if len(run.Report) == 0 {
		return nil, nil
	}
	var rep report.Run
	if err := json.Unmarshal(run.Report, &rep); err != nil {
		h.opts.Log.Warn("run report does not decode", "run", run.ID, "err", err)
		return nil, nil
	}
	now := h.opts.Now()
	hosts := make([]hostView, 0, len(rep.Hosts))
	for _, host := range rep.Hosts {
		hosts = append(hosts, hostOf(hostView{Name: host.Host}, host, now))
	}
	return &rep.Summary, hosts
}
