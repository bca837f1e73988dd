package web

import (
	"fmt"
	"html/template"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// The view models: what a template shows, computed in Go so that the
// templates only lay it out.

// overviewView is GET /.
type overviewView struct {
	Counts []countView
	Hosts  []hostView
	Runs   []runView
}

// countView is how many hosts have a verdict.
type countView struct {
	Verdict string
	N       int
}

// hostView is one host's outcome: its newest on the overview, its
// outcome in the run on a run page.
type hostView struct {
	Name, Verdict, Status, Phase string
	RunID, Action                string
	Finished                     time.Time
	Error                        string
	// Unreadable: the stored report did not decode; only the verdict is
	// known.
	Unreadable bool
	// Firewall and Manifests are where those steps left the host, "" when
	// the run did not get there.
	Firewall, Manifests string
	Scanned             bool     // the outside port scan ran
	Ports               []string // unexpected open ports, "8080/tcp on 192.0.2.10 (nginx)"
	Cert                *certView
	Findings            []findingView
}

// certView is the host certificate that expires first.
type certView struct {
	Domain   string
	NotAfter time.Time
	Days     int    // whole days left at the page's time, negative once expired
	Class    string // ok, expiring, expired
}

// Label is the days left as read: "12 days", "1 day", "expired 3 days ago".
func (c certView) Label() string {
	switch {
	case c.Days == -1:
		return "expired 1 day ago"
	case c.Days < 0:
		return fmt.Sprintf("expired %d days ago", -c.Days)
	case c.Days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", c.Days)
}

// findingView is one finding of a host.
type findingView struct {
	Code, Severity, Message string
}

// runView is one run in a list, and the head of its own page.
type runView struct {
	ID, Action, Trigger, Status string
	Playbook, Limit             string
	Started, Finished           time.Time
	Duration                    time.Duration // so far, while it runs
	Running                     bool
	Hosts, Attempt, ExitCode    int
	Check                       bool
}

// runPageView is GET /runs/{id}.
type runPageView struct {
	Run     runView
	Summary *report.Summary // nil until the report is in
	Hosts   []hostView
	Events  []eventView
	// The live timeline: where to read, after which event, for which types.
	Live       bool
	EventsURL  string
	LastID     int64
	EventTypes string
}

// eventView is one row of a run's timeline.
type eventView struct {
	ID                                int64
	Time                              time.Time
	Host, Type, Step, Status, Message string
}

// errorView is the 404 and 500 page.
type errorView struct {
	Title, Message string
}

var funcs = template.FuncMap{
	"when":  when,
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
	"clock": func(t time.Time) string { return t.UTC().Format("15:04:05.000") },
	"dur":   duration,
	"short": short,
}

// when is a time as the pages show it: UTC, to the second.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// duration rounds to what a person reads: seconds, or ms below one.
func duration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// short is a run id for a narrow column: the tail of a UUIDv7 is its
// random part, the head a timestamp that neighbours share.
func short(id string) string {
	const n = 12
	if len(id) <= n+1 {
		return id
	}
	return "…" + id[len(id)-n:]
}
