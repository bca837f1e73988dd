package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// StoredEvent is an event with its id in the run's stream.
type StoredEvent struct {
	ID    int64       `json:"id"`
	Event event.Event `json:"event"`
}

// batch bounds the events read per query of a stream.
const batch = 500

// keepAlive is sent on an idle stream so proxies keep it open.
const keepAlive = 15 * time.Second

// events answers a run's events: a live Server-Sent Events stream while
// the run is going and the client asks for one, a JSON list otherwise.
// A stream resumes after Last-Event-ID (or ?after=N) and ends with an
// "end" event once the run has finished and every event is sent.
func (a *api) events(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, err := a.Source.Run(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no run "+strconv.Quote(id))
		return
	} else if err != nil {
		a.fail(w, r, err)
		return
	}
	after, err := resumeFrom(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !wantsStream(r) {
		a.eventList(w, r, id, after)
		return
	}
	a.stream(w, r, run, after)
}

// resumeFrom is where a stream starts: after Last-Event-ID (a browser's
// reconnect sends it and keeps the URL's ?after=, which it supersedes),
// else after ?after=.
func resumeFrom(r *http.Request) (int64, error) {
	s := r.Header.Get("Last-Event-ID")
	name := "header Last-Event-ID"
	if s == "" {
		s, name = r.URL.Query().Get("after"), "query parameter after"
	}
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s: want an event id, got %q", name, s)
	}
	return n, nil
}

func wantsStream(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

func (a *api) eventList(w http.ResponseWriter, r *http.Request, id string, after int64) {
	evs, err := a.Source.EventsAfter(r.Context(), id, after, 0)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]StoredEvent, 0, len(evs))
	for _, e := range evs {
		out = append(out, StoredEvent{ID: e.ID, Event: e.Event})
	}
	writeJSON(w, http.StatusOK, map[string]any{"runId": id, "events": out})
}

func (a *api) stream(w http.ResponseWriter, r *http.Request, run store.Run, after int64) {
	fl, ok := w.(http.Flusher)
	if !ok {
		a.eventList(w, r, run.ID, after)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	ctx := r.Context()
	tick := time.NewTicker(a.Poll)
	defer tick.Stop()
	idle := time.Now()
	for {
		evs, err := a.Source.EventsAfter(ctx, run.ID, after, batch)
		if err != nil {
			a.Log.Warn("event stream", "run", run.ID, "err", err)
			return // the client reconnects with Last-Event-ID
		}
		for _, e := range evs {
			if err := writeEvent(w, e); err != nil {
				return
			}
			after = e.ID
		}
		if len(evs) > 0 {
			fl.Flush()
			idle = time.Now()
			if len(evs) == batch {
				continue
			}
		}
		if done, err := a.finished(ctx, run.ID); err != nil || done {
			if done && a.drained(ctx, run.ID, after) {
				fmt.Fprint(w, "event: end\ndata: {}\n\n")
				fl.Flush()
				return
			}
			if err != nil {
				return
			}
			continue
		}
		if time.Since(idle) >= keepAlive {
			fmt.Fprint(w, ": keep-alive\n\n")
			fl.Flush()
			idle = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-a.Stopping:
			return // the client reconnects (Last-Event-ID) to another replica or the restarted one
		case <-tick.C:
		}
	}
}

// drained reports that no event follows after: events stored between the
// last read and the run's end are sent before "end".
func (a *api) drained(ctx context.Context, id string, after int64) bool {
	evs, err := a.Source.EventsAfter(ctx, id, after, 1)
	return err == nil && len(evs) == 0
}

func (a *api) finished(ctx context.Context, id string) (bool, error) {
	run, err := a.Source.Run(ctx, id)
	if err != nil {
		return false, err
	}
	return !run.Finished.IsZero(), nil
}

func writeEvent(w http.ResponseWriter, e store.Stored) error {
	data, err := json.Marshal(e.Event)
	if err != nil {
		return err
	}
	// Unnamed messages: a browser's EventSource delivers a named one only
	// to a listener for that name, and the type is in the data anyway.
	// Only the stream's end is named ("end").
	_, err = fmt.Fprintf(w, "id: %d\ndata: %s\n\n", e.ID, data)
	return err
}
