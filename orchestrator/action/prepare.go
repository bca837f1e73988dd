package action

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/ck8s/ck8sctl/internal/dnsquery"
	"github.com/ck8s/ck8sctl/internal/manifest"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/dnscheck"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// dnsQueryTimeout bounds each DNS question during a run.
const dnsQueryTimeout = 2 * time.Second

// Prepared is a validated run, ready to start: everything derived from the
// playbook is computed (manifests rendered, checks configured), so Run can
// only fail on hosts, never on input.
type Prepared struct {
	Spec  Spec
	Opts  Options
	Steps []string

	check     bool
	dns       *dnscheck.Config
	manifests *plan.ManifestsPlan
	http01    *phase.HTTP01
	scan      phase.Scan
	tls       phase.TLS
	red       *redact.Redactor
}

// Prepare validates o against its action and playbook. Its errors wrap
// ErrInput and name the playbook field or setting.
func Prepare(o Options) (*Prepared, error) {
	spec, err := Lookup(o.Action)
	if err != nil {
		return nil, err
	}
	pb := o.Playbook
	if pb == nil {
		return nil, fmt.Errorf("%w: no playbook", ErrInput)
	}
	if o.Hosts == nil {
		o.Hosts = pb.Hosts
	}
	switch {
	case len(o.Hosts) == 0:
		return nil, fmt.Errorf("%w: no hosts selected", ErrInput)
	case o.Forks < 1:
		return nil, fmt.Errorf("%w: forks must be at least 1, got %d", ErrInput, o.Forks)
	case o.LockWait < 0:
		return nil, fmt.Errorf("%w: lock wait must not be negative, got %s", ErrInput, o.LockWait)
	case o.SSH == nil:
		return nil, fmt.Errorf("%w: no SSH settings", ErrInput)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	p := &Prepared{Spec: spec, Opts: o, check: o.Check || spec.ReadOnly, red: o.Redact}
	if p.red == nil {
		if p.red, err = Redactor(pb); err != nil {
			return nil, err
		}
	}
	steps := []func() error{p.hostFiles, p.preflight, p.manifestsPlan, p.rehearsal, p.portScan, p.tlsCheck}
	for _, f := range steps {
		if err := f(); err != nil {
			return nil, err
		}
	}
	p.Steps = spec.steps(p.http01 != nil, p.manifests != nil)
	return p, nil
}

// Redactor is a run's redactor: the built-in patterns, the playbook's
// mask: list and secrets known by value (a key passphrase). Build it before
// anything logs, so the logs are masked like the events.
func Redactor(pb *playbook.Playbook, secrets ...string) (*redact.Redactor, error) {
	red, err := redact.New(pb.Mask)
	if err != nil {
		return nil, inputf(pb, "%v", err)
	}
	return red.WithLiterals(secrets...), nil
}

func inputf(pb *playbook.Playbook, format string, a ...any) error {
	return fmt.Errorf("%w: playbook %s: %s", ErrInput, pb.Path, fmt.Sprintf(format, a...))
}

// preflight configures the DNS preflight. The expected set is every host's
// expectIPs together: the domain serves all of them (round robin), and an
// address outside the set (an old host still in the zone) is exactly what
// must fail. It asks only the playbook's nameservers, never the resolvers
// of the machine running ck8sctl: without them there is no preflight.
func (p *Prepared) preflight() error {
	pb := p.Opts.Playbook
	if !p.Spec.Preflight {
		return nil
	}
	if len(pb.DNS.Nameservers) == 0 {
		p.Opts.Log.Warn("DNS preflight not configured: the playbook's dns.nameservers is empty", "domain", pb.Domain)
		return nil
	}
	var expect []netip.Addr
	for _, h := range pb.Hosts {
		expect = append(expect, h.ExpectIPs...)
	}
	log := p.Opts.Log
	cfg := dnscheck.Config{
		Domain: pb.Domain, Expect: dnsquery.Sort(expect), Nameservers: pb.DNS.Nameservers,
		Wait: pb.DNS.Wait, CAAIssuer: pb.DNS.CAAIssuer, Timeout: dnsQueryTimeout, Attempts: 2,
		OnRetry: func(r *dnscheck.Report, d time.Duration) {
			log.Info("DNS not converged yet, waiting", "domain", pb.Domain, "stale", r.Stale(), "retryIn", d, "findings", len(r.Findings))
		},
	}
	if p.check {
		cfg.Wait = 0 // a read-only run reports what is, it does not wait for propagation
	}
	if err := cfg.Validate(); err != nil {
		return inputf(pb, "dns preflight: %v", err)
	}
	p.dns = &cfg
	return nil
}

// manifestsPlan renders the playbook's manifests once: every host gets the
// same objects, exactly what `ck8sctl render` prints.
func (p *Prepared) manifestsPlan() error {
	pb := p.Opts.Playbook
	m := pb.Manifests
	if m == nil || !p.Spec.Manifests {
		return nil
	}
	v, err := ManifestValues(pb)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInput, err)
	}
	docs, err := manifest.Render(v)
	if err != nil {
		return inputf(pb, "rendering the manifests: %v", err)
	}
	mp := &plan.ManifestsPlan{
		Kubeconfig:           m.Kubeconfig,
		CertManagerNamespace: m.CertManager.Namespace,
		Issuer:               v.ACME.Issuer,
		Certificate:          plan.ObjectRef{Namespace: m.Ingress.Namespace, Name: m.Ingress.Name},
		Wait:                 plan.Duration(m.Wait),
	}
	for _, d := range docs {
		mp.Objects = append(mp.Objects, plan.ManifestObject{Source: d.Source, YAML: string(d.YAML)})
	}
	p.manifests = mp
	return nil
}

// rehearsal turns the ACME http-01 rehearsal on with checks.http01 or a
// manifests section (whose ClusterIssuer it protects), in actions that may
// serve on port 80 for a moment.
func (p *Prepared) rehearsal() error {
	pb := p.Opts.Playbook
	hc := pb.Checks.HTTP01
	if !p.Spec.HTTP01 || (hc == nil && p.manifests == nil) {
		return nil
	}
	timeout := playbook.DefaultHTTP01Timeout
	if hc != nil {
		timeout = hc.Timeout
	}
	if pb.Domain == "" {
		return inputf(pb, "checks.http01: needs the playbook's domain")
	}
	p.http01 = &phase.HTTP01{Timeout: timeout, Addrs: p.addrs()}
	return nil
}

// portScan configures the outside scan from checks.ports (its defaults in
// an action that always scans).
func (p *Prepared) portScan() error {
	pb := p.Opts.Playbook
	pc := pb.Checks.Ports
	if pc == nil && !p.Spec.AlwaysScan {
		return nil
	}
	if pc == nil {
		pc = defaultPorts()
	}
	s := phase.Scan{Ports: pc.Range, Expect: pc.Expect, UDP: pc.UDP, ExpectUDP: pc.ExpectUDP, Timeout: pc.Timeout,
		Addrs: p.addrs(),
		// The host's own addresses too, as its facts report them.
		Facts: &phase.FactsAddrs{TrustedInterfaces: pb.Firewall.TrustedInterfaces, TrustedCIDRs: pb.Firewall.TrustedCIDRs}}
	// Hosts scan in parallel: share the open-files budget between them.
	hosts := max(1, min(p.Opts.Forks, len(p.Opts.Hosts)))
	s.Concurrency = max(64, min(scan.DefaultConcurrency, (int(scan.RaiseNoFile())-1024)/hosts))
	if c := p.Opts.Scan.Concurrency; c > 0 {
		s.Concurrency = c
	}
	p.scan = s
	return nil
}

// tlsCheck configures the TLS check from checks.tls. Without the section
// it is on when the run issues the certificate (bootstrap with manifests)
// or checks it (a sweep of a playbook with manifests): before that, hosts
// serve a self-signed placeholder on 443 and a check would only fail.
func (p *Prepared) tlsCheck() error {
	pb := p.Opts.Playbook
	tc := pb.Checks.TLS
	if tc == nil {
		if pb.Manifests == nil || !p.Spec.Manifests {
			return nil
		}
		tc = playbook.DefaultTLSCheck()
	}
	ph := phase.TLS{Port: tc.Port, Config: tlscheck.Config{Domain: pb.Domain, MinValid: tc.MinValid, Timeout: tc.Timeout, HTTPRedirect: tc.HTTPRedirect}}
	if tc.CAFile != "" {
		roots, err := tlscheck.LoadRoots(tc.CAFile)
		if err != nil {
			return &playbook.Error{File: pb.Path, Line: tc.CAFileLine, Path: "checks.tls.caFile", Msg: err.Error(), Err: ErrInput}
		}
		ph.Config.Roots, ph.Config.RootsName = roots, "caFile "+tc.CAFile
	}
	if m := pb.Manifests; m != nil {
		// A staging certificate is what a staging issuer should give and
		// wrong from a production one. Staging roots are in no trust
		// store: without a caFile the chain of a staging certificate is
		// a warning, everything else is still checked.
		ph.Config.RejectStaging = m.ACME.Production
		ph.Config.StagingUntrusted = !m.ACME.Production && ph.Config.Roots == nil
	}
	if p.Spec.Name == Sweep {
		// The sweep's thresholds: fail below certFail, warn below certWarn.
		ph.Config.MinValid = pb.Checks.Sweep.CertFail
		ph.WarnDays = int(pb.Checks.Sweep.CertWarn / (24 * time.Hour))
	}
	ph.Addrs = p.addrs()
	p.tls = ph
	return nil
}

// addrs returns each selected host's addresses to check from outside:
// its address when it is an IP, and its expectIPs.
func (p *Prepared) addrs() func(string) []netip.Addr {
	m := map[string][]netip.Addr{}
	for _, h := range p.Opts.Hosts {
		m[h.Name] = HostAddrs(h)
	}
	return func(name string) []netip.Addr { return m[name] }
}

// HostAddrs are the addresses of h that checks from outside go to.
func HostAddrs(h playbook.Host) []netip.Addr {
	var out []netip.Addr
	if a, err := netip.ParseAddr(h.Address); err == nil {
		out = append(out, a.Unmap())
	}
	for _, a := range h.ExpectIPs {
		if a = a.Unmap(); !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// dnsPhase is the authoritative half of the preflight, run once per run
// (bounded by the playbook's wait and cancelled with the run): the
// playbook has one domain and one expected set, so every host shares it.
func (p *Prepared) dnsPhase(ctx context.Context) phase.DNS {
	if p.dns == nil {
		return phase.DNS{}
	}
	cfg, log := *p.dns, p.Opts.Log
	once := sync.OnceValues(func() (*dnscheck.Report, error) {
		rep, err := dnscheck.Check(ctx, cfg)
		if err == nil {
			log.Info("DNS preflight, authoritative view", "domain", cfg.Domain, "passed", rep.Passed, "summary", rep.Summary())
		}
		return rep, err
	})
	return phase.DNS{Check: func(context.Context) (*dnscheck.Report, error) { return once() }}
}

// defaultPorts is `checks: ports:` written alone: every TCP port, 22, 80
// and 443 expected open.
func defaultPorts() *playbook.PortsCheck {
	expect, _ := scan.ParsePorts(scan.DefaultExpect)
	all, _ := scan.ParsePorts(scan.AllPorts)
	return &playbook.PortsCheck{Expect: expect, Range: all}
}
