package web

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

func TestOverviewShowsEachHostWithItsVerdict(t *testing.T) {
	st := openStore(t)
	fleet(t, st)
	rec := get(t, newHandler(t, st), "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d\n%s", rec.Code, rec.Body)
	}
	doc := parse(t, rec.Body.String())
	verdicts := map[string]string{}
	for _, row := range all(doc, withAttr("data-host", "")) {
		name, _ := attr(row, "data-host")
		verdicts[name], _ = attr(row, "data-verdict")
	}
	want := map[string]string{"web-1": "compliant", "web-2": "non-compliant", "db-1": "unreachable"}
	if !maps.Equal(verdicts, want) {
		t.Errorf("host verdicts = %v, want %v", verdicts, want)
	}
	for verdict, n := range map[string]string{"compliant": "1", "non-compliant": "1", "unreachable": "1"} {
		if got := text(one(t, doc, "count "+verdict, withAttr("data-count", verdict))); got != n+" "+verdict {
			t.Errorf("count of %s reads %q", verdict, got)
		}
	}
}

func TestOverviewShowsWhyAHostIsNotCompliant(t *testing.T) {
	st := openStore(t)
	fleet(t, st)
	doc := parse(t, get(t, newHandler(t, st), "/").Body.String())

	web2 := one(t, doc, "row web-2", withAttr("data-host", "web-2"))
	f := one(t, web2, "web-2 port finding", withAttr("data-finding", "port.unexpected_open"))
	if got := text(f); got != "port.unexpected_open 192.0.2.12: port 8080 open, not expected" {
		t.Errorf("web-2 finding reads %q", got)
	}
	row := text(web2)
	for _, want := range []string{"8080/tcp on 192.0.2.12 (python3)", "firewall drift", "10 days", "tls.expiring"} {
		if !strings.Contains(row, want) {
			t.Errorf("web-2 row lacks %q: %q", want, row)
		}
	}
	if c := one(t, web2, "web-2 certificate", withAttr("class", "cert cert-expiring")); text(c) != "10 days" {
		t.Errorf("web-2 certificate reads %q", text(c))
	}

	db1 := text(one(t, doc, "row db-1", withAttr("data-host", "db-1")))
	for _, want := range []string{"dialing 192.0.2.13:22: connection refused", "not scanned"} {
		if !strings.Contains(db1, want) {
			t.Errorf("db-1 row lacks %q: %q", want, db1)
		}
	}
	web1 := one(t, doc, "row web-1", withAttr("data-host", "web-1"))
	if got := all(web1, withAttr("data-finding", "")); len(got) != 0 {
		t.Errorf("compliant web-1 shows %d findings", len(got))
	}
	if row := text(web1); !strings.Contains(row, "40 days") || !strings.Contains(row, "firewall compliant") {
		t.Errorf("web-1 row = %q, want 40 days and firewall compliant", row)
	}
}

func TestOverviewListsRecentRuns(t *testing.T) {
	st := openStore(t)
	fleet(t, st)
	doc := parse(t, get(t, newHandler(t, st), "/").Body.String())
	rows := all(doc, func(n *html.Node) bool { return n.Data == "tr" && withAttr("data-run", "")(n) })
	var got []string
	for _, r := range rows {
		id, _ := attr(r, "data-run")
		status, _ := attr(r, "data-status")
		got = append(got, id+" "+status)
		if a := one(t, r, "run link", tag("a")); !strings.HasSuffix(must(attr(a, "href")), "/runs/"+id) {
			t.Errorf("run %s links to %q", id, must(attr(a, "href")))
		}
	}
	want := []string{liveID + " running", sweepID + " failed"} // newest first
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("runs = %v, want %v", got, want)
	}
	if live := text(rows[0]); !strings.Contains(live, "harden") || !strings.Contains(live, "api:ops") || !strings.Contains(live, "30m0s so far") {
		t.Errorf("running run reads %q", live)
	}
	if done := text(rows[1]); !strings.Contains(done, "1m30s") || !strings.Contains(done, "schedule:nightly") {
		t.Errorf("finished run reads %q", done)
	}
}

func TestOverviewOfAnEmptyStore(t *testing.T) {
	body := get(t, newHandler(t, openStore(t)), "/").Body.String()
	for _, want := range []string{"No host has been reported yet.", "No runs yet."} {
		if !strings.Contains(body, want) {
			t.Errorf("empty overview lacks %q", want)
		}
	}
}

func must(v string, _ bool) string { return v }

// Days left count from the page's clock, not the run's: a week later the
// same report shows a week less.
func TestCertificateDaysCountFromNow(t *testing.T) {
	st := openStore(t)
	fleet(t, st)
	h, err := NewHandler(st, Options{Now: func() time.Time { return now.Add(11 * 24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	web2 := one(t, parse(t, get(t, h, "/").Body.String()), "row web-2", withAttr("data-host", "web-2"))
	if c := one(t, web2, "certificate", withAttr("class", "cert cert-expired")); text(c) != "expired 1 day ago" {
		t.Errorf("web-2's certificate a day after expiry reads %q", text(c))
	}
}

// A report that no longer decodes (a schema from the future, a bad row)
// still shows the host with the verdict the store recorded.
func TestHostWithAnUnreadableReportKeepsItsVerdict(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if err := st.CreateRun(ctx, store.Run{ID: sweepID, Command: "sweep", Started: t0}); err != nil {
		t.Fatal(err)
	}
	bad := []store.HostResult{{Host: "web-9", Status: "failed", Verdict: "non-compliant", Report: []byte(`["not", "a", "host"]`)}}
	if err := st.RecordResult(ctx, sweepID, mustJSON(t, report.Run{ID: sweepID}), bad); err != nil {
		t.Fatal(err)
	}
	row := one(t, parse(t, get(t, newHandler(t, st), "/").Body.String()), "row web-9", withAttr("data-host", "web-9"))
	if v := must(attr(row, "data-verdict")); v != "non-compliant" || !strings.Contains(text(row), "report unreadable") {
		t.Errorf("web-9: verdict %q, row %q", v, text(row))
	}
}
