// Package dns is the agent's dns step, the host half of the DNS preflight:
// it resolves the playbook's domain through the host's own resolver
// configuration (/etc/resolv.conf: nameservers, search, ndots, timeout,
// attempts), compares the answer with the expected addresses, and reports
// its view together with the orchestrator's authoritative view in one
// dns.preflight.passed or dns.preflight.failed event. A failure aborts the
// run, so no step that changes the host runs after it. It only reads.
package dns

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/dnsquery"
	"github.com/ck8s/ck8sctl/internal/event"
)

// Step is the dns step.
type Step struct{}

// New returns the dns step.
func New() Step { return Step{} }

// Name implements step.Step.
func (Step) Name() string { return "dns" }

// CheckSafe implements step.Checker: the step only reads.
func (Step) CheckSafe() bool { return true }

// Data is the data of the dns.preflight.* events: both views, side by side.
type Data struct {
	Domain        string          `json:"domain"`
	Expect        []string        `json:"expect"`
	CAAIssuer     string          `json:"caaIssuer,omitempty"`
	Authoritative json.RawMessage `json:"authoritative,omitempty"`
	Host          HostView        `json:"host"`
}

// Run implements step.Step.
func (Step) Run(ctx context.Context, env *step.Env) error {
	p := env.Plan.DNS
	if p == nil {
		env.Emit(event.TypeDNSSkipped, event.StatusSkipped, "no DNS preflight configured (playbook dns.nameservers is empty)", nil)
		return nil
	}
	rc, err := ReadResolvConf(env.Path("/etc/resolv.conf"))
	if err != nil {
		return step.Abort(fmt.Errorf("DNS preflight: %w", err))
	}
	want := dnsquery.Sort(append(p.Expect[:0:0], p.Expect...))
	v := Resolve(ctx, rc, strings.TrimSuffix(p.Domain, "."), time.Duration(p.Timeout))
	if v.Error == "" {
		v.Diff = dnsquery.Compare(want, v.Addrs)
		v.OK = v.Diff.OK()
	}
	d := Data{Domain: p.Domain, CAAIssuer: p.CAAIssuer, Authoritative: p.Authoritative, Host: v}
	for _, a := range want {
		d.Expect = append(d.Expect, a.String())
	}
	if auth := authoritativeFailure(p.Authoritative); auth != "" {
		// Only a read-only run sends a failed authoritative view: report
		// it with the host's, as a check that found something.
		env.Emit(event.TypeDNSFailed, event.StatusFailed, auth, d)
		return fail(env, fmt.Errorf("DNS preflight: %s", auth))
	}
	if v.OK {
		env.Emit(event.TypeDNSPassed, event.StatusOK, fmt.Sprintf("%s resolves to %s from the authoritative servers and through the host's resolver %s",
			p.Domain, dnsquery.Join(v.Addrs), v.Server), d)
		return nil
	}
	msg := hostFailure(p.Domain, want, v, len(p.Authoritative) > 0)
	env.Emit(event.TypeDNSFailed, event.StatusFailed, msg, d)
	return fail(env, fmt.Errorf("DNS preflight: %s", msg))
}

// fail ends the step with err. It aborts the run, so nothing changes on a
// host whose domain does not resolve to it; a read-only run goes on, so
// the other checks still report.
func fail(env *step.Env, err error) error {
	if env.Plan.Check {
		return err
	}
	return step.Abort(err)
}

// authoritativeFailure returns the summary of the orchestrator's
// authoritative report when it failed, "" when it passed or is absent.
func authoritativeFailure(raw json.RawMessage) string {
	var rep struct {
		Passed   *bool `json:"passed"`
		Findings []struct {
			Message string `json:"message"`
		} `json:"findings"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &rep) != nil || rep.Passed == nil || *rep.Passed {
		return ""
	}
	var msgs []string
	for _, f := range rep.Findings {
		msgs = append(msgs, f.Message)
	}
	if len(msgs) == 0 {
		return "the authoritative servers do not answer as expected"
	}
	return "authoritative servers: " + strings.Join(msgs, "; ")
}

func hostFailure(domain string, want []netip.Addr, v HostView, authChecked bool) string {
	view := "expected " + dnsquery.Join(want)
	if authChecked {
		view = "the authoritative servers answer " + dnsquery.Join(want)
	}
	if v.Error != "" {
		return fmt.Sprintf("%s does not resolve through the host's resolver (%s): %s; %s",
			domain, strings.Join(v.ResolvConf.Nameservers, ", "), v.Error, view)
	}
	return fmt.Sprintf("split horizon: through the host's resolver %s, %s resolves to %s (%s), but %s",
		v.Server, domain, dnsquery.Join(v.Addrs), v.Diff, view)
}
