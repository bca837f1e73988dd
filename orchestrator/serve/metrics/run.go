package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// Buckets, in seconds. A run lasts from seconds (a sweep of a few hosts)
// to an hour (a bootstrap of a large fleet); an agent step from
// milliseconds to minutes (manifests waiting for a certificate).
var (
	runBuckets  = []float64{5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200}
	stepBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}
)

// runMetrics are the events of runs: counters and histograms.
type runMetrics struct {
	started, runs              *prometheus.CounterVec
	duration, step             *prometheus.HistogramVec
	rollbacks, dnsPreflightErr *prometheus.CounterVec
}

func newRunMetrics(reg prometheus.Registerer) *runMetrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: fqName("", name), Help: help}, labels)
		reg.MustRegister(c)
		return c
	}
	histogram := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: fqName("", name), Help: help, Buckets: buckets}, labels)
		reg.MustRegister(h)
		return h
	}
	m := &runMetrics{
		started: counter("runs_started_total", "Runs started, by action and trigger (schedule, webhook, api).", "action", "trigger"),
		runs: counter("runs_total",
			"Runs ended, by action, trigger and outcome: the report's status (ok, failed, unreachable, rolled-back), or interrupted or error when the run produced no report.",
			"action", "trigger", "outcome"),
		duration: histogram("run_duration_seconds", "Duration of the runs that produced a report, by action.", runBuckets, "action"),
		step: histogram("step_duration_seconds", "Duration of the agent steps that ended (skipped ones left out), by action and step, one observation per host.",
			stepBuckets, "action", "step"),
		rollbacks: counter("firewall_rollbacks_total", "Firewall changes rolled back on the host (the change broke SSH or was not confirmed).", "host"),
		dnsPreflightErr: counter("dns_preflight_failures_total",
			"Runs whose DNS preflight failed on the host (a dns.mismatch finding or a failed dns step): nothing was changed there.", "host"),
	}
	m.zero()
	return m
}

// outcomes are the values of runs_total's outcome label.
var outcomes = []string{string(report.RunOK), string(report.RunFailed), string(report.RunUnreachable),
	string(report.RunRolledBack), OutcomeInterrupted, OutcomeError}

// zero creates the series known in advance, so that the first failed run
// is an increase from 0 rather than a new series increase() cannot see.
func (m *runMetrics) zero() {
	for _, a := range action.Names() {
		for _, t := range []string{TriggerSchedule, TriggerWebhook, TriggerAPI} {
			m.started.WithLabelValues(string(a), t)
			for _, o := range outcomes {
				m.runs.WithLabelValues(string(a), t, o)
			}
		}
		m.duration.WithLabelValues(string(a))
	}
}

// RunStarted counts a run as it starts.
func (m *Metrics) RunStarted(action, trigger string) {
	m.run.started.WithLabelValues(label(action), label(trigger)).Inc()
}

// RunAborted counts a run that ended without a report; outcome is
// OutcomeInterrupted or OutcomeError.
func (m *Metrics) RunAborted(action, trigger, outcome string) {
	m.run.runs.WithLabelValues(label(action), label(trigger), label(outcome)).Inc()
}

// RunFinished records a run's report: its outcome and durations, the
// events on its hosts, and each host's result (see the package doc).
func (m *Metrics) RunFinished(r report.Run, trigger string) {
	a := label(r.Action)
	m.run.runs.WithLabelValues(a, label(trigger), label(string(r.Status))).Inc()
	m.run.duration.WithLabelValues(a).Observe(r.Duration.Seconds())
	for _, h := range r.Hosts {
		m.run.host(a, h)
	}
	m.hosts.update(r)
}

// host records the events of one host's run.
func (m *runMetrics) host(action string, h report.Host) {
	name := label(h.Host)
	for _, s := range h.Steps {
		if s.Status != event.StatusStarted && s.Status != event.StatusSkipped {
			m.step.WithLabelValues(action, label(s.Name)).Observe(s.Duration.Seconds())
		}
	}
	// Add(0) gives every host seen a series, so increase() sees its next
	// rollback; the first one of a new host is caught by the alert's
	// "unless ... offset" half.
	m.rollbacks.WithLabelValues(name).Add(boolValue(h.Firewall != nil && h.Firewall.State == phase.FirewallRolledBack))
	m.dnsPreflightErr.WithLabelValues(name).Add(boolValue(dnsFailed(h)))
}

// dnsFailed says whether the DNS preflight stopped the host: the
// orchestrator's authoritative check found a mismatch, or the agent's dns
// step (the host's resolver) failed.
func dnsFailed(h report.Host) bool {
	for _, f := range h.Findings {
		if f.Code == phase.CodeDNSMismatch {
			return true
		}
	}
	for _, s := range h.Steps {
		if s.Name == "dns" && s.Status == event.StatusFailed {
			return true
		}
	}
	return false
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
