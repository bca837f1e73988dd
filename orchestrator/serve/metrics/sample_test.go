package metrics

import (
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// t0 is when the first sample run starts.
var t0 = time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)

// sweepRun is a sweep over three hosts: web-1 compliant with a
// certificate 10 days from expiry, web-2 non-compliant (an unexpected
// open port, firewall drift), web-3 stopped by its failing dns step.
func sweepRun(started time.Time) report.Run {
	web1 := &phase.Result{Host: "web-1", Address: "198.18.0.2", Status: phase.StatusOK, Duration: 1500 * time.Millisecond,
		Steps: []phase.Step{{Name: "dns", Status: event.StatusOK, Duration: 30 * time.Millisecond},
			{Name: "firewall", Status: event.StatusOK, Duration: 200 * time.Millisecond},
			{Name: "manifests", Status: event.StatusSkipped}},
		Findings: []phase.Finding{{Code: phase.CodeTLSExpiring, Severity: phase.SeverityWarning, Check: "tls", Message: "expires in 10 days"}},
		Firewall: &phase.FirewallOutcome{State: phase.FirewallCompliant},
		Metrics: &facts.Metrics{CPUs: 2, Load1: 0.5, Load5: 0.25, Load15: 0.125,
			Memory: facts.Memory{TotalBytes: 2 << 30, AvailableBytes: 1 << 30},
			Filesystems: []facts.Filesystem{{Mountpoint: "/", SizeBytes: 100 << 30, AvailBytes: 40 << 30},
				{Mountpoint: "/var/lib", SizeBytes: 50 << 30, AvailBytes: 5 << 30}}},
		Scan: []scan.Finding{{Target: "198.18.0.2", Ports: "1-65535", Open: []uint16{22, 443}, Reachable: true, Compliant: true}},
		TLS: []*tlscheck.Report{
			{Domain: "a.lab.test", Addr: "198.18.0.2:443", Reachable: true, Certificate: &tlscheck.CertInfo{NotAfter: started.Add(40 * 24 * time.Hour)}},
			{Domain: "b.lab.test", Addr: "198.18.0.2:443", Reachable: true, Certificate: &tlscheck.CertInfo{NotAfter: started.Add(10 * 24 * time.Hour)}},
			{Domain: "c.lab.test", Addr: "198.18.0.2:8443", Reachable: false},
		},
	}
	web2 := &phase.Result{Host: "web-2", Address: "198.18.0.3", Status: phase.StatusFailed, Duration: 2 * time.Second,
		Steps: []phase.Step{{Name: "firewall", Status: event.StatusOK, Duration: 300 * time.Millisecond}},
		Findings: []phase.Finding{
			{Code: phase.CodeFirewallDrift, Severity: phase.SeverityCritical, Check: "firewall", Message: "1 rule differs"},
			{Code: phase.CodePortUnexpectedOpen, Severity: phase.SeverityCritical, Check: "ports", Message: "unexpected open 8080"},
		},
		Firewall: &phase.FirewallOutcome{State: phase.FirewallDrift},
		Scan: []scan.Finding{{Target: "198.18.0.3", Reachable: true, Verdict: scan.Verdict{Unexpected: []uint16{8080, 9090}},
			UDP: &scan.UDPFinding{Unexpected: []uint16{161}}}},
	}
	web3 := &phase.Result{Host: "web-3", Address: "198.18.0.4", Status: phase.StatusFailed, Duration: time.Second,
		Steps: []phase.Step{{Name: "dns", Status: event.StatusFailed, Duration: 2 * time.Second}}}
	return report.New(report.Meta{ID: "run-1", Action: "sweep", Started: started, Check: true},
		[]*phase.Result{web1, web2, web3}, 12*time.Second)
}

// hardenRun runs over part of the fleet: web-2's firewall change is
// rolled back, web-3 is now compliant, web-4 is new and unreachable,
// web-5 fails the authoritative DNS preflight. web-1 is not in it.
func hardenRun(started time.Time) report.Run {
	web2 := &phase.Result{Host: "web-2", Status: phase.StatusRolledBack,
		Steps:    []phase.Step{{Name: "firewall", Status: event.StatusFailed, Duration: 90 * time.Second}},
		Firewall: &phase.FirewallOutcome{State: phase.FirewallRolledBack, Message: "not confirmed"}}
	web3 := &phase.Result{Host: "web-3", Status: phase.StatusOK,
		Steps:    []phase.Step{{Name: "firewall", Status: event.StatusChanged, Duration: 4 * time.Second}},
		Firewall: &phase.FirewallOutcome{State: phase.FirewallConfirmed},
		Metrics:  &facts.Metrics{CPUs: 4, Load1: 1, Memory: facts.Memory{TotalBytes: 4 << 30, AvailableBytes: 3 << 30}}}
	web4 := &phase.Result{Host: "web-4", Status: phase.StatusUnreachable, Error: "connecting to web-4: host unreachable"}
	web5 := &phase.Result{Host: "web-5", Status: phase.StatusFailed,
		Findings: []phase.Finding{{Code: phase.CodeDNSMismatch, Severity: phase.SeverityCritical, Check: "dns", Message: "A record differs"}}}
	return report.New(report.Meta{ID: "run-2", Action: "harden", Started: started},
		[]*phase.Result{web2, web3, web4, web5}, 3*time.Minute)
}

// feed gives m two runs and one of everything else the daemon reports,
// so that every family has samples.
func feed(m *Metrics) {
	m.RunStarted("sweep", TriggerSchedule)
	m.RunFinished(sweepRun(t0), TriggerSchedule)
	m.RunStarted("harden", TriggerAPI)
	m.RunFinished(hardenRun(t0.Add(time.Hour)), TriggerAPI)
	m.RunStarted("bootstrap", TriggerWebhook)
	m.RunAborted("bootstrap", TriggerWebhook, OutcomeInterrupted)
	m.Webhook("gitlab", "accepted")
	m.Webhook("gitlab", WebhookUnauthorized)
	m.JobWait("run", 250*time.Millisecond)
	m.SetQueueDepth(func() map[string]float64 {
		return map[string]float64{"available": 2, "running": 1, "retryable": 0, "scheduled": 5}
	})
	m.ScheduleFired("nightly-sweep", 2)
	m.SchedulerTick(t0.Add(2 * time.Hour))
}
