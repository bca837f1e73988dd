package cli

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/ck8s/ck8sctl/internal/dnsquery"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/dnscheck"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// dnsQueryTimeout bounds each DNS question during a playbook run.
const dnsQueryTimeout = 2 * time.Second

// preflight is a playbook run's DNS preflight, or nil when the playbook
// names no nameservers: the preflight asks only servers it is given, never
// the resolvers of the machine running ck8sctl.
type preflight struct {
	cfg dnscheck.Config
	log *slog.Logger
}

// newPreflight validates the playbook's DNS settings before anything runs.
// The expected set is every host's expectIPs together: the domain serves
// all of them (round robin), and an address outside the set (an old host
// still in the zone) is exactly what must fail.
func newPreflight(pb *playbook.Playbook, log *slog.Logger) (*preflight, error) {
	if len(pb.DNS.Nameservers) == 0 {
		log.Warn("DNS preflight not configured: the playbook's dns.nameservers is empty", "domain", pb.Domain)
		return nil, nil
	}
	var expect []netip.Addr
	for _, h := range pb.Hosts {
		expect = append(expect, h.ExpectIPs...)
	}
	cfg := dnscheck.Config{
		Domain: pb.Domain, Expect: dnsquery.Sort(expect), Nameservers: pb.DNS.Nameservers,
		Wait: pb.DNS.Wait, CAAIssuer: pb.DNS.CAAIssuer, Timeout: dnsQueryTimeout, Attempts: 2,
		OnRetry: func(r *dnscheck.Report, d time.Duration) {
			log.Info("DNS not converged yet, waiting", "domain", pb.Domain, "stale", r.Stale(), "retryIn", d, "findings", len(r.Findings))
		},
	}
	if err := cfg.Validate(); err != nil {
		return nil, badInputf("playbook %s: dns preflight: %v", pb.Path, err)
	}
	p := &preflight{cfg: cfg, log: log}
	return p, nil
}

// addToPlans gives every host's agent the host half of the preflight.
func (p *preflight) addToPlans(targets []*phase.Target) {
	if p == nil {
		return
	}
	for _, t := range targets {
		t.Plan.DNS = &plan.DNSPlan{Domain: p.cfg.Domain, Expect: p.cfg.Expect,
			Timeout: plan.Duration(dnsQueryTimeout), CAAIssuer: p.cfg.CAAIssuer}
	}
}

// phase is the authoritative half. The playbook has one domain and one
// expected set, so the check runs once per run (bounded by the playbook's
// wait and cancelled with the run) and every host shares its report.
func (p *preflight) phase(ctx context.Context, record func(context.Context, event.Event) error, progress func(event.Event), red *redact.Redactor) phase.DNS {
	d := phase.DNS{Record: record, Progress: progress, Redact: red}
	if p == nil {
		return d
	}
	once := sync.OnceValues(func() (*dnscheck.Report, error) {
		rep, err := dnscheck.Check(ctx, p.cfg)
		if err == nil {
			p.log.Info("DNS preflight, authoritative view", "domain", p.cfg.Domain, "passed", rep.Passed, "summary", rep.Summary())
		}
		return rep, err
	})
	d.Check = func(context.Context) (*dnscheck.Report, error) { return once() }
	return d
}
