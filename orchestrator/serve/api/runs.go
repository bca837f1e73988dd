package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// RunSummary is a run as lists show it; GET /v1/runs/{id} of a finished
// run answers its report (docs/report.md) instead.
type RunSummary struct {
	ID       string     `json:"runId"`
	Action   string     `json:"action"`
	Status   string     `json:"status"`
	ExitCode *int       `json:"exitCode,omitempty"`
	Trigger  string     `json:"trigger"`
	Limit    string     `json:"limit,omitempty"`
	Attempt  int        `json:"attempt"`
	Check    bool       `json:"check"`
	Hosts    int        `json:"hosts"`
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
}

func summary(r store.Run) RunSummary {
	s := RunSummary{ID: r.ID, Action: r.Command, Status: r.Status, Trigger: r.Trigger, Limit: r.Limit,
		Attempt: r.Attempt, Check: r.Check, Hosts: r.Hosts, Started: r.Started}
	if !r.Finished.IsZero() {
		f, code := r.Finished, r.ExitCode
		s.Finished, s.ExitCode = &f, &code
	}
	return s
}

// maxList bounds a list; a longer history is paged by filters.
const maxList = 500

func (a *api) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.RunFilter{Status: q.Get("status"), Host: q.Get("host"), Limit: 50}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxList {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("query parameter limit: want 1 to %d, got %q", maxList, s))
			return
		}
		f.Limit = n
	}
	runs, err := a.Source.ListRuns(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]RunSummary, 0, len(runs))
	for _, run := range runs {
		out = append(out, summary(run))
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

func (a *api) getRun(w http.ResponseWriter, r *http.Request) {
	run, err := a.Source.Run(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no run "+strconv.Quote(r.PathValue("id")))
		return
	} else if err != nil {
		a.fail(w, r, err)
		return
	}
	if len(run.Report) > 0 {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(run.Report)
		return
	}
	writeJSON(w, http.StatusOK, summary(run))
}

// StartRequest is POST /v1/runs's body.
type StartRequest struct {
	Action   action.Name `json:"action"`
	Playbook string      `json:"playbook"`
	Limit    string      `json:"limit,omitempty"`
	Check    bool        `json:"check,omitempty"`
}

// maxStartBody bounds POST /v1/runs's body.
const maxStartBody = 64 << 10

func (a *api) startRun(w http.ResponseWriter, r *http.Request) {
	var req StartRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxStartBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "request body: "+err.Error())
		return
	}
	args := jobs.RunArgs{Action: req.Action, Playbook: req.Playbook, Limit: req.Limit, Check: req.Check,
		Trigger: "api:" + TokenName(r.Context())}
	if err := a.Validate(args); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	id, _, err := a.Enqueue.Enqueue(r.Context(), args, nil)
	if err != nil {
		a.Log.Error("queueing a run", "err", err)
		writeError(w, http.StatusServiceUnavailable, "the run could not be queued; nothing was started")
		return
	}
	a.Log.Info("run queued", "run", id, "action", req.Action, "playbook", req.Playbook, "trigger", args.Trigger)
	w.Header().Set("Location", "/v1/runs/"+id)
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted", "runId": id})
}

// HostView is a host's current state: its newest outcome.
type HostView struct {
	Host     string          `json:"host"`
	Verdict  string          `json:"verdict"`
	Status   string          `json:"status"`
	RunID    string          `json:"runId"`
	Action   string          `json:"action"`
	Finished time.Time       `json:"finished"`
	Report   json.RawMessage `json:"report"` // the run report's host entry
}

func (a *api) hosts(w http.ResponseWriter, r *http.Request) {
	hs, err := a.Source.Hosts(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]HostView, 0, len(hs))
	for _, h := range hs {
		out = append(out, HostView{Host: h.Host, Verdict: h.Verdict, Status: h.Status, RunID: h.RunID,
			Action: h.Action, Finished: h.Finished, Report: h.Report})
	}
	writeJSON(w, http.StatusOK, map[string]any{"hosts": out})
}

// fail answers a store failure without its text (it may name paths).
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.Log.Error("api", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusServiceUnavailable, "the store could not answer")
}
