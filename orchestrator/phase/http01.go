package phase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// ErrHTTP01Failed means the ACME http-01 rehearsal failed: a CA could not
// validate the domain through this host (exit 1). No ClusterIssuer may be
// created for it until a rehearsal passes.
var ErrHTTP01Failed = errors.New("ACME http-01 rehearsal failed")

// HTTP01 is the orchestrator's half of the ACME http-01 rehearsal. It
// reacts to the agent's acme.http01.serving or acme.http01.occupied event
// while the agent runs (as the Confirmer reacts to firewall.applied),
// fetches http://<domain>/.well-known/acme-challenge/<token> from outside
// through each of the host's addresses, tells a serving agent to stop,
// and, once the agent is done, records the verdict as
// acme.http01.rehearsal.passed or .failed after the agent's events.
type HTTP01 struct {
	// Addrs are the host's addresses seen from outside: what the domain
	// resolves to for this host. Fetches go only there.
	Addrs func(host string) []netip.Addr
	// Timeout bounds each fetch, redirects included.
	Timeout time.Duration
	// HTTPPort and HTTPSPort replace 80 and 443 when dialling (tests).
	HTTPPort, HTTPSPort int
}

// HTTP01Outcome is the rehearsal's verdict for one host (data of the
// rehearsal events, and Result.HTTP01).
type HTTP01Outcome struct {
	Passed bool   `json:"passed"`
	Domain string `json:"domain"`
	Mode   string `json:"mode,omitempty"` // serving or occupied
	Path   string `json:"path,omitempty"`
	// Owner names who holds port 80 in occupied mode.
	Owner   string        `json:"owner,omitempty"`
	Results []FetchResult `json:"results,omitempty"`
	Reason  string        `json:"reason,omitempty"`
	// Stopped says whether the serving agent was told to stop early.
	Stopped bool `json:"stopped,omitempty"`
}

// reacts reports whether e starts a rehearsal.
func (h *HTTP01) reacts(e event.Event) bool {
	return h != nil && (e.Type == event.TypeHTTP01Serving || e.Type == event.TypeHTTP01Occupied)
}

// rehearse fetches the challenge through every address at once.
func (h *HTTP01) rehearse(ctx context.Context, t *Target, e event.Event) *HTTP01Outcome {
	p := t.Plan.HTTP01
	if p == nil {
		return nil
	}
	var st plan.HTTP01Status
	_ = json.Unmarshal(e.Data, &st)
	out := &HTTP01Outcome{Domain: p.Domain, Mode: st.Mode, Path: plan.ChallengePath(p.Token), Owner: owners(st)}
	addrs := h.Addrs(t.Name)
	if len(addrs) == 0 {
		out.Reason = "no IP address to fetch from (address is a name and no expectIPs)"
		return out
	}
	want := p.Body
	if st.Mode == plan.HTTP01Occupied {
		want = "" // the ingress does not know our token: any HTTP answer
	}
	f := h.fetcher(p.Domain)
	out.Results = make([]FetchResult, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Go(func() { out.Results[i] = f.fetch(ctx, a, out.Path, want) })
	}
	wg.Wait()
	if st.Mode == plan.HTTP01Serving {
		out.Stopped = h.stop(ctx, f, out, p.StopSecret)
	}
	out.judge()
	t.Log.Debug("http-01 rehearsal", "host", t.Name, "passed", out.Passed, "reason", out.Reason)
	return out
}

func owners(st plan.HTTP01Status) string {
	var names []string
	for _, l := range st.Owners {
		if l.Process != "" && !slices.Contains(names, l.Process) {
			names = append(names, l.Process)
		}
	}
	return strings.Join(names, ",")
}

// stop tells the agent its window can end, through an address that
// answered; if none did, the agent's own window ends it.
func (h *HTTP01) stop(ctx context.Context, f *fetcher, out *HTTP01Outcome, secret string) bool {
	for _, r := range out.Results {
		if r.OK && f.stop(ctx, r.Addr, out.Path, secret) == nil {
			return true
		}
	}
	return false
}

// why is the reason with the redirect it is about, if any.
func (r FetchResult) why() string {
	if strings.HasPrefix(r.Reason, "redirect") && len(r.Redirects) > 0 {
		return r.Reason + " (to " + r.Redirects[len(r.Redirects)-1] + ")"
	}
	return r.Reason
}

// judge sets Passed and Reason: every address must pass.
func (o *HTTP01Outcome) judge() {
	if o.Reason != "" {
		return
	}
	var bad []string
	for _, r := range o.Results {
		if !r.OK {
			bad = append(bad, fmt.Sprintf("%s: %s", r.Addr, r.why()))
		}
	}
	o.Passed = len(bad) == 0
	o.Reason = strings.Join(bad, "; ")
}

func (o *HTTP01Outcome) message() string {
	var parts []string
	for _, r := range o.Results {
		s := r.Addr.String() + " "
		if r.OK {
			s += "ok"
			if r.Status != 0 {
				s += fmt.Sprintf(" (HTTP %d)", r.Status)
			}
		} else {
			s += r.why()
		}
		parts = append(parts, s)
	}
	how := "the agent served the challenge"
	if o.Mode == plan.HTTP01Occupied {
		how = "port 80 is taken by " + orElse(o.Owner, "another process") + ", which answered the challenge path over HTTP"
		if !o.Passed {
			how = "port 80 is taken by " + orElse(o.Owner, "another process")
		}
	}
	if o.Passed {
		return fmt.Sprintf("http://%s%s: %s; %s", o.Domain, o.Path, how, strings.Join(parts, ", "))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("http://%s%s: %s", o.Domain, o.Path, o.Reason)
	}
	return fmt.Sprintf("http://%s%s: %s; %s", o.Domain, o.Path, how, strings.Join(parts, ", "))
}

func orElse(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// conclude records the verdict after the agent's events and makes a
// failure a finding. In check mode the agent did not run the step and
// there is nothing to judge.
func (h *HTTP01) conclude(ctx context.Context, t *Target, out *HTTP01Outcome) error {
	if h == nil || t.Plan.HTTP01 == nil || t.Plan.Check {
		return nil
	}
	if out == nil {
		why := "the agent's http01 step did not run (an earlier step ended the run)"
		if slices.ContainsFunc(t.Result.Steps, func(s Step) bool { return s.Name == "http01" }) {
			why = "the agent's http01 step neither served the challenge nor reported who holds port 80"
		}
		out = &HTTP01Outcome{Domain: t.Plan.HTTP01.Domain, Path: plan.ChallengePath(t.Plan.HTTP01.Token), Reason: why}
	}
	// Bodies, redirect URLs and errors are the host's words: the verdict
	// the report keeps is masked like the event.
	out = masked(t.Rec, out)
	t.Result.HTTP01 = out
	typ, st := event.TypeHTTP01Passed, event.StatusOK
	if !out.Passed {
		typ, st = event.TypeHTTP01Failed, event.StatusFailed
		t.Result.add(newFinding("http01", CodeHTTP01Failed, SeverityCritical, ErrHTTP01Failed, "%s", out.Reason))
	}
	return t.Rec.Emit(ctx, t, "http01", typ, st, out.message(), out)
}
