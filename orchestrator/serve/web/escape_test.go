package web

import (
	"context"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/event/eventtest"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Host names, messages and findings come from playbooks, agents and
// remote servers: markup in them must reach the reader as text.
func TestMarkupInHostsAndMessagesRendersAsText(t *testing.T) {
	const (
		evilHost = `<script>alert("host")</script>`
		evilMsg  = `<img src=x onerror="alert('msg')">`
		evilCode = `x"><script>alert(1)</script>`
	)
	st := openStore(t)
	run := store.Run{ID: sweepID, Command: "sweep", Playbook: "p.yaml", Started: t0, Hosts: 1}
	if err := st.CreateRun(context.Background(), run); err != nil {
		t.Fatal(err)
	}
	evs := eventtest.NewRun(t, sweepID, evilHost).Step("firewall", event.StatusFailed, evilMsg).Events
	if err := st.AppendEvents(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	host := report.Host{Host: evilHost, Status: phase.StatusFailed, Verdict: report.NonCompliant, Error: evilMsg,
		Findings: []phase.Finding{{Code: evilCode, Severity: phase.SeverityCritical, Message: evilMsg}}}
	recordReport(t, st, run, []report.Host{host})
	h := newHandler(t, st)

	for _, path := range []string{"/", "/runs/" + sweepID} {
		body := get(t, h, path).Body.String()
		doc := parse(t, body)
		if n := len(all(doc, tag("script"))) + len(all(doc, tag("img"))); n != 0 {
			t.Errorf("%s: markup from the data became %d elements", path, n)
		}
		row := one(t, doc, path+" host row", withAttr("data-host", evilHost))
		for _, want := range []string{evilHost, evilMsg} {
			if !strings.Contains(text(row), want) {
				t.Errorf("%s: host row does not read %q as text: %q", path, want, text(row))
			}
		}
		one(t, row, path+" finding", withAttr("data-finding", evilCode))
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: raw markup in the page", path)
		}
	}
	timeline := text(one(t, parse(t, get(t, h, "/runs/"+sweepID).Body.String()), "timeline", withAttr("id", "timeline")))
	if !strings.Contains(timeline, evilMsg) || !strings.Contains(timeline, evilHost) {
		t.Errorf("timeline does not read the event as text: %q", timeline)
	}
}
