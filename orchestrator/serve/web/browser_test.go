package web

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ck8s/ck8sctl/internal/browsertest"
	"github.com/ck8s/ck8sctl/internal/event"
)

// The pages in a real browser: the overview as laid out and styled, and
// a running run's timeline growing from a stand-in of the API's SSE
// handler, with the API token cookie the real one will check.
func TestPagesInABrowser(t *testing.T) {
	st := openStore(t)
	_, live := fleet(t, st)
	last := live[len(live)-1].ID
	sse := &sseStandIn{events: []sseEvent{
		{ID: last + 100, Event: event.Event{Time: t0.Add(2 * time.Second), RunID: liveID, Host: "web-1", Seq: 99,
			Type: event.TypeStepFinished, Step: "firewall", Status: event.StatusChanged, Message: "2 rules added"}},
		{ID: last + 101, Event: event.Event{Time: t0.Add(3 * time.Second), RunID: liveID, Host: "web-1", Seq: 100,
			Type: event.TypeFirewallDrift, Status: event.StatusFailed, Message: "<b>not bold</b>"}},
	}}
	mux := http.NewServeMux()
	mux.Handle("/", withTokenCookie(newHandler(t, st)))
	mux.Handle("GET /v1/runs/{id}/events", sse)
	srv := httptest.NewServer(mux) // 127.0.0.1, port 0
	t.Cleanup(srv.Close)
	b := browsertest.New(t)

	t.Run("overview", func(t *testing.T) {
		do(t, b, chromedp.Navigate(srv.URL+"/"))
		verdicts := run(t, b, chromedp.Evaluate[map[string]string](`Object.fromEntries(
			[...document.querySelectorAll("tr[data-host]")].map(r => [r.dataset.host, r.dataset.verdict]))`))
		if want := map[string]string{"web-1": "compliant", "web-2": "non-compliant", "db-1": "unreachable"}; !maps.Equal(verdicts, want) {
			t.Errorf("verdicts in the DOM = %v, want %v", verdicts, want)
		}
		finding := chromedp.CSS(`tr[data-host="web-2"] [data-finding="port.unexpected_open"]`)
		do(t, b, chromedp.WaitVisible(finding))
		if got := run(t, b, chromedp.Text(finding)); got != "port.unexpected_open 192.0.2.12: port 8080 open, not expected" {
			t.Errorf("web-2's finding reads %q", got)
		}
		// The style sheet loaded under the CSP: the verdict has its colour.
		if c := run(t, b, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(
			'tr[data-host="web-2"] .verdict')).color`)); c != "rgb(180, 35, 24)" {
			t.Errorf("non-compliant verdict colour = %q, want the style sheet's rgb(180, 35, 24)", c)
		}
		b.Screenshot("overview")
	})

	t.Run("live run", func(t *testing.T) {
		do(t, b, chromedp.Navigate(srv.URL+"/runs/"+liveID))
		for _, e := range sse.events {
			do(t, b, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-event-id="%d"]`, e.ID))))
		}
		cells := run(t, b, chromedp.Evaluate[[][]string](`[...document.querySelectorAll("#timeline tbody tr")].slice(-2).map(
			r => [r.dataset.eventId, ...[...r.cells].map(c => c.textContent)])`))
		want := [][]string{
			{fmt.Sprint(last + 100), "22:13:22.000", "web-1", "step.finished", "firewall", "changed", "2 rules added"},
			{fmt.Sprint(last + 101), "22:13:23.000", "web-1", "firewall.drift_detected", "", "failed", "<b>not bold</b>"},
		}
		if !slices.EqualFunc(cells, want, slices.Equal) {
			t.Errorf("live rows = %q, want %q", cells, want)
		}
		if n := run(t, b, chromedp.Evaluate[int](`document.querySelectorAll("#timeline b").length`)); n != 0 {
			t.Errorf("an event's message became markup: %d <b> elements", n)
		}
		run(t, b, chromedp.Poll[bool](`document.getElementById("timeline").dataset.live === "ended"`,
			chromedp.WithPollingTimeout(5*time.Second)))
		time.Sleep(300 * time.Millisecond) // a reconnect would come after the stand-in's 50ms retry
		reqs := sse.requests()
		if len(reqs) != 1 {
			t.Fatalf("the events URL was requested %d times, want once (closed at end)", len(reqs))
		}
		if got := reqs[0]; got.after != fmt.Sprint(last) || got.cookie != testToken {
			t.Errorf("SSE request: after=%q cookie=%q, want after=%d and the token cookie", got.after, got.cookie, last)
		}
		b.Screenshot("run")
	})

	if errs := b.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("the pages logged errors: %q", errs)
	}
}

// do runs steps with a short deadline, so that a missing element fails
// in seconds.
func do(t *testing.T, b *browsertest.Browser, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, b *browsertest.Browser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
