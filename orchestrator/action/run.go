package action

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ck8s/ck8sctl/bootstrap"
	"github.com/ck8s/ck8sctl/internal/crash"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/procowner"
	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Run carries out a prepared run on its hosts and returns its report. The
// error is for what kept the run from happening at all (the store, the
// embedded agents); what happened on hosts is in the report, whose
// ExitCode ranks it.
func (p *Prepared) Run(ctx context.Context) (report.Run, error) {
	o := p.Opts
	if o.Store == nil {
		return report.Run{}, fmt.Errorf("run of %s: no store to record it in", p.Spec.Name)
	}
	agents, err := bootstrap.Agents()
	if err != nil {
		return report.Run{}, err
	}
	id := o.RunID
	if id == "" {
		id = NewRunID()
	}
	started := time.Now().UTC()
	meta := report.Meta{ID: id, Action: string(p.Spec.Name), Playbook: o.Playbook.Path, Started: started, Check: p.check}
	names := make([]string, len(o.Hosts))
	for i, h := range o.Hosts {
		names[i] = h.Name
	}
	if err := o.Store.CreateRun(ctx, store.Run{ID: id, Command: meta.Action, Playbook: meta.Playbook, Started: started, Hosts: len(o.Hosts), Check: p.check,
		Owner: procowner.Self(), Targets: names}); err != nil {
		return report.Run{}, fmt.Errorf("recording run: %w", err)
	}
	defer p.finishOnPanic(ctx, id)
	crash.At("run")
	rec := phase.NewRecorder(o.Store.AppendEvents, p.red, o.Progress)
	targets, err := p.targets(id, rec)
	if err != nil {
		return report.Run{}, err
	}
	m := p.manager(ctx, agents, rec)
	o.Log.Info("run started", "run", id, "action", meta.Action, "hosts", len(targets), "check", p.check)
	m.Run(ctx, targets)

	results := make([]*phase.Result, len(targets))
	for i, t := range targets {
		results[i] = t.Result
	}
	rep := report.New(meta, results, time.Since(started))
	status := string(rep.Status)
	if ctx.Err() != nil {
		// Cut short (Ctrl-C, serve's shutdown, the job's timeout): agents
		// may still be finishing on their hosts, and the next contact
		// imports the rest of their journals (phase.Journal).
		status = store.StatusInterrupted
	}
	if err := o.Store.FinishRun(context.WithoutCancel(ctx), id, status, rep.ExitCode, time.Now().UTC()); err != nil {
		o.Log.Error("recording run end", "run", id, "err", err)
	}
	o.Log.Info("run finished", "run", id, "status", rep.Status, "exit", rep.ExitCode, "duration", rep.Duration)
	return rep, nil
}

// finishOnPanic records the run as failed with the internal-error exit
// code when a panic (here or raised again from a host's goroutine) ends
// it, then lets the panic go on to the command's main function: a run
// must not stay "running" because ck8sctl had a bug.
func (p *Prepared) finishOnPanic(ctx context.Context, id string) {
	r := recover()
	if r == nil {
		return
	}
	pn := crash.From(r)
	if err := p.Opts.Store.FinishRun(context.WithoutCancel(ctx), id, string(report.RunFailed), report.ExitInternal, time.Now().UTC()); err != nil {
		p.Opts.Log.Error("recording the end of a crashed run", "run", id, "err", err)
	}
	panic(pn)
}

// manager is the run's phase list: connect, the DNS preflight's
// authoritative half, the agent (with the firewall's confirmation and the
// http-01 rehearsal), then the checks from outside.
func (p *Prepared) manager(ctx context.Context, agents map[string]bootstrap.Binary, rec *phase.Recorder) *phase.Manager {
	o := p.Opts
	// Reconnects cover a link that drops while a firewall change waits
	// for its confirmation: the rest of the run comes from the journal.
	runner := &bootstrap.Runner{Agents: agents, Redact: p.red, Log: o.Log, Reconnects: 6, FollowTimeout: 10 * time.Minute}
	sc := p.scan
	if p.Spec.SharedScan && sc.Addrs != nil {
		// One socket budget (Concurrency 0: the default) for the fleet.
		var ssh []int
		for _, h := range o.Hosts {
			ssh = append(ssh, h.Port)
		}
		tmpl := &scan.Scanner{Kind: o.Scan.Engine, Concurrency: o.Scan.Concurrency, Rate: o.Scan.Rate, Timeout: sc.Timeout, First: sc.Expect, UDP: sc.UDP,
			SSHPorts: scan.SSHPortsOf(ssh...)}
		sc.Shared = scan.NewShared(ctx, tmpl, sc.Ports)
	}
	m := &phase.Manager{
		Forks: o.Forks,
		Phases: []phase.Phase{
			phase.Connect{},
			phase.Journal{Runner: runner, Wait: journalWait, Unfinished: p.unfinished},
			p.dnsPhase(ctx),
			phase.Agent{
				Runner:  runner,
				Confirm: &phase.Confirmer{Runner: runner, ConnectTimeout: o.ConnectTimeout},
				HTTP01:  p.http01,
			},
			sc,
			p.tls,
		},
		Done: func(t *phase.Target) {
			crash.At("host")
			if p.Spec.Verdicts {
				p.verdict(ctx, t)
			}
			if o.Done != nil {
				o.Done(t)
			}
		},
	}
	if p.Spec.HostDeadline {
		m.HostTimeout = o.Playbook.Checks.Sweep.HostTimeout
	}
	return m
}

// journalWait bounds the wait for an interrupted run still going on a
// host: an unconfirmed firewall change ends at its confirm deadline.
const journalWait = 2 * time.Minute

// unfinishedPerContact bounds the interrupted runs read per contact.
const unfinishedPerContact = 10

// unfinished lists a host's interrupted runs whose journal is unread.
func (p *Prepared) unfinished(ctx context.Context, host string) ([]phase.Unfinished, error) {
	us, err := p.Opts.Store.Unfinished(ctx, host, unfinishedPerContact)
	out := make([]phase.Unfinished, len(us))
	for i, u := range us {
		out[i] = phase.Unfinished{RunID: u.RunID, LastSeq: u.LastSeq}
	}
	return out, err
}

// targets builds each host's plan.
func (p *Prepared) targets(runID string, rec *phase.Recorder) ([]*phase.Target, error) {
	o := p.Opts
	var out []*phase.Target
	for _, h := range o.Hosts {
		cfg := o.SSH(h)
		if cfg.Logger == nil {
			// host warns here: ignored ssh_config options, a ProxyCommand
			// the network fence cannot see through, a lost connection.
			cfg.Logger = o.Log
		}
		pl := &plan.Plan{
			Protocol: event.Protocol, RunID: runID, Host: h.Name, Check: p.check, Steps: p.Steps,
			LockWait: plan.Duration(o.LockWait), Mask: o.Playbook.Mask, Labels: h.Labels,
			Manifests: p.manifests,
		}
		pl.Firewall = firewallPlan(o.Playbook.Firewall, cfg.Port)
		if p.dns != nil {
			pl.DNS = &plan.DNSPlan{Domain: p.dns.Domain, Expect: p.dns.Expect,
				Timeout: plan.Duration(dnsQueryTimeout), CAAIssuer: p.dns.CAAIssuer}
		}
		if p.http01 != nil {
			hp, err := http01Plan(o.Playbook.Domain, p.http01.Timeout)
			if err != nil {
				return nil, err
			}
			pl.HTTP01 = hp
		}
		out = append(out, &phase.Target{
			Name: h.Name, SSH: cfg, Plan: pl, Rec: rec, Log: o.Log,
			Result: &phase.Result{Host: h.Name, Address: h.Address, Status: phase.StatusFailed},
		})
	}
	return out, nil
}

// firewallPlan is the plan's firewall section for a host reached on
// sshPort (0: the default). The agent adds the ports its sshd listens on.
func firewallPlan(fw playbook.Firewall, sshPort int) *plan.FirewallPlan {
	if sshPort == 0 {
		sshPort = host.DefaultPort
	}
	return &plan.FirewallPlan{
		Backend:           fw.Backend,
		AllowTCP:          fw.AllowTCP,
		AllowUDP:          fw.AllowUDP,
		SSHPorts:          []int{sshPort},
		SSHSources:        fw.SSHSources,
		TrustedInterfaces: fw.TrustedInterfaces,
		TrustedCIDRs:      fw.TrustedCIDRs,
		Reject:            fw.Policy == playbook.PolicyReject,
		ConfirmTimeout:    plan.Duration(fw.ConfirmTimeout),
		Persist:           fw.Persist == nil || *fw.Persist,
	}
}

// http01Plan gives a host its own random challenge. The window the agent
// serves is the fetch timeout plus slack for the event's trip; the
// orchestrator ends it sooner once its fetches are done.
func http01Plan(domain string, timeout time.Duration) (*plan.HTTP01Plan, error) {
	token, err := random(32)
	if err != nil {
		return nil, err
	}
	thumb, err := random(32)
	if err != nil {
		return nil, err
	}
	secret, err := random(32)
	if err != nil {
		return nil, err
	}
	return &plan.HTTP01Plan{Domain: domain, Token: token, Body: token + "." + thumb, StopSecret: secret,
		Window: plan.Duration(timeout + 5*time.Second)}, nil
}

func random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("choosing an http-01 challenge: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// NewRunID returns a time-ordered id, so runs sort by start in any store.
func NewRunID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
