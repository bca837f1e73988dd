package web

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestRunPageListsStoredEventsAndVerdicts(t *testing.T) {
	st := openStore(t)
	sweep, _ := fleet(t, st)
	rec := get(t, newHandler(t, st), "/runs/"+sweepID)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /runs/%s = %d\n%s", sweepID, rec.Code, rec.Body)
	}
	doc := parse(t, rec.Body.String())

	rows := all(doc, withAttr("data-event-id", ""))
	var ids, want []string
	for _, r := range rows {
		ids = append(ids, must(attr(r, "data-event-id")))
	}
	for _, e := range sweep {
		want = append(want, fmt.Sprint(e.ID))
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("event rows %v, want the stored ids %v", ids, want)
	}
	e := sweep[2] // any stored event: its row shows each of its fields
	if got, wantText := text(rows[2]), strings.Join(strings.Fields(fmt.Sprintf("%s %s %s %s %s %s",
		e.Time.UTC().Format("15:04:05.000"), e.Host, e.Type, e.Step, e.Status, e.Message)), " "); got != wantText {
		t.Errorf("event row reads %q, want %q", got, wantText)
	}

	verdicts := map[string]string{}
	for _, r := range all(doc, withAttr("data-host", "")) {
		verdicts[must(attr(r, "data-host"))] = must(attr(r, "data-verdict"))
	}
	if want := map[string]string{"web-1": "compliant", "web-2": "non-compliant", "db-1": "unreachable"}; !maps.Equal(verdicts, want) {
		t.Errorf("run page verdicts = %v, want %v", verdicts, want)
	}
	summary := text(one(t, doc, "summary", tag("dl")))
	for _, s := range []string{"failed (exit 3)", "sweep check", "schedule:nightly", "attempt 1", "after 1m30s"} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary lacks %q: %q", s, summary)
		}
	}
	// Finished: complete as rendered, no script and no live timeline.
	if n := len(all(doc, tag("script"))); n != 0 {
		t.Errorf("finished run page has %d scripts", n)
	}
	if _, live := attr(one(t, doc, "timeline", withAttr("id", "timeline")), "data-live"); live {
		t.Error("finished run's timeline is marked live")
	}
}

// A running run's page tells the script where to read and from where on:
// the contract with the SSE handler.
func TestRunningRunPageStartsTheLiveTimelineAfterTheLastEvent(t *testing.T) {
	st := openStore(t)
	_, live := fleet(t, st)
	doc := parse(t, get(t, newHandler(t, st), "/runs/"+liveID).Body.String())
	tl := one(t, doc, "timeline", withAttr("id", "timeline"))
	got := map[string]string{}
	for _, k := range []string{"data-live", "data-events-url", "data-after"} {
		got[k] = must(attr(tl, k))
	}
	want := map[string]string{"data-live": "true", "data-events-url": "/v1/runs/" + liveID + "/events",
		"data-after": fmt.Sprint(live[len(live)-1].ID)}
	if !maps.Equal(got, want) {
		t.Errorf("timeline attributes = %v, want %v", got, want)
	}
	if types := strings.Fields(must(attr(tl, "data-event-types"))); !slices.Contains(types, "step.finished") {
		t.Errorf("data-event-types = %v, lacks step.finished", types)
	}
	if src := must(attr(one(t, doc, "script", tag("script")), "src")); src != "/static/app.js" {
		t.Errorf("script src = %q", src)
	}
	if n := len(all(doc, withAttr("data-host", ""))); n != 0 {
		t.Errorf("a run without a report shows %d host verdicts", n)
	}
}

func TestEventsURLOption(t *testing.T) {
	st := openStore(t)
	fleet(t, st)
	h, err := NewHandler(st, Options{EventsURL: func(id string) string { return "/api/events?run=" + id }})
	if err != nil {
		t.Fatal(err)
	}
	tl := one(t, parse(t, get(t, h, "/runs/"+liveID).Body.String()), "timeline", withAttr("id", "timeline"))
	if got := must(attr(tl, "data-events-url")); got != "/api/events?run="+liveID {
		t.Errorf("data-events-url = %q", got)
	}
}

func TestUnknownPagesAndRunsAre404(t *testing.T) {
	st := openStore(t)
	fleet(t, st)
	h := newHandler(t, st)
	for path, want := range map[string]string{
		"/runs/0190a1b2-0000-7000-8000-00000000dead": "Run not found",
		"/nope":    "Not found",
		"/runs/":   "Not found",
		"/static/": "404",
	} {
		rec := get(t, h, path)
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s = %d %q, want 404 with %q", path, rec.Code, rec.Body, want)
		}
	}
	rec := httptestDo(h, http.MethodPost, "/")
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", rec.Code)
	}
}

func TestStaticFilesAndHeaders(t *testing.T) {
	h := newHandler(t, openStore(t))
	for path, ctype := range map[string]string{"/static/app.js": "javascript", "/static/style.css": "text/css"} {
		rec := get(t, h, path)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), ctype) {
			t.Errorf("GET %s = %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	csp := get(t, h, "/").Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}

// A store error is a 500 that says so; the error itself goes to the log.
func TestStoreErrorIsA500WithoutDetails(t *testing.T) {
	st := openStore(t)
	fleet(t, st)
	h := newHandler(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/runs/" + sweepID} {
		rec := get(t, h, path)
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "Store unavailable") ||
			strings.Contains(rec.Body.String(), "closed") {
			t.Errorf("GET %s on a closed store = %d %q", path, rec.Code, rec.Body)
		}
	}
}
