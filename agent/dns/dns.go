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
	if v.OK {
		env.Emit(event.TypeDNSPassed, event.StatusOK, fmt.Sprintf("%s resolves to %s from the authoritative servers and through the host's resolver %s",
			p.Domain, dnsquery.Join(v.Addrs), v.Server), d)
		return nil
	}
	msg := hostFailure(p.Domain, want, v, len(p.Authoritative) > 0)
	env.Emit(event.TypeDNSFailed, event.StatusFailed, msg, d)
	return step.Abort(fmt.Errorf("DNS preflight: %s", msg))
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
