package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/ck8s/ck8sctl/internal/event"
)

// Prometheus writes r in the Prometheus text exposition format, for
// node_exporter's textfile collector:
//
//	ck8sctl sweep -o prometheus > ck8s.prom.$$ && mv ck8s.prom.$$ /var/lib/node_exporter/ck8s.prom
//
// Every metric is a gauge: each run replaces the file, so a counter would
// restart at every run and lie to rate() (goss#867). Samples carry no
// timestamps, which the textfile collector refuses. What a host did not
// report (load of an unreachable host, ports of a host not scanned) has
// no sample rather than a 0 that would read as a measurement.
func Prometheus(w io.Writer, r Run) error {
	mfs, err := registry(r).Gather()
	if err != nil {
		return fmt.Errorf("prometheus output: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("prometheus output: %w", err)
		}
	}
	return nil
}

// registry holds r's metrics. It is pedantic so that a metric
// inconsistent with its description fails Gather (and the tests) instead
// of reaching a scrape.
func registry(r Run) *prometheus.Registry {
	reg := prometheus.NewPedanticRegistry()
	m := newSweepMetrics(reg)
	m.run(r)
	for _, h := range r.Hosts {
		m.host(h)
	}
	return reg
}

// sweepMetrics are the gauges of one report, in a fresh registry per
// report: nothing of an earlier run can leak into the file.
type sweepMetrics struct {
	runStarted, runDuration, runExit                                    prometheus.Gauge
	hosts                                                               *prometheus.GaugeVec
	verdict, compliant, findings, unexpectedPorts, certExpiry           *prometheus.GaugeVec
	duration, agent, stepSuccess, stepDuration                          *prometheus.GaugeVec
	cpus, load1, load5, load15, memAvailable, memTotal, fsAvail, fsSize *prometheus.GaugeVec
}

func newSweepMetrics(reg *prometheus.Registry) *sweepMetrics {
	g := func(name, help string) prometheus.Gauge {
		m := prometheus.NewGauge(prometheus.GaugeOpts{Name: prometheus.BuildFQName("ck8s", "sweep", name), Help: help})
		reg.MustRegister(m)
		return m
	}
	v := func(name, help string, labels ...string) *prometheus.GaugeVec {
		m := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: prometheus.BuildFQName("ck8s", "sweep", name), Help: help}, labels)
		reg.MustRegister(m)
		return m
	}
	return &sweepMetrics{
		runStarted:  g("run_timestamp_seconds", "Start of the run, in seconds since the Unix epoch."),
		runDuration: g("run_duration_seconds", "Duration of the run."),
		runExit:     g("run_exit_code", "Exit code of the run: 0 compliant, 1 a check or step failed, 3 a host unreachable, 4 rolled back."),
		hosts:       v("hosts", "Hosts of the run by verdict.", "verdict"),
		verdict:     v("host_verdict", "1 for the host's verdict (compliant, non-compliant or unreachable), 0 for the others.", "host", "verdict"),
		compliant:   v("host_compliant", "1 if the host was checked and is compliant, 0 if non-compliant; no sample when it could not be checked.", "host"),
		findings:    v("findings", "Findings on the host by code and severity; a critical one makes it non-compliant.", "host", "code", "severity"),
		unexpectedPorts: v("unexpected_open_ports",
			"Ports, TCP and UDP, found open from outside on the host's addresses and not expected by the playbook, counted per address; no sample when not scanned.", "host"),
		certExpiry: v("tls_certificate_expiry_timestamp_seconds", "Expiry (notAfter) of the certificate served, in seconds since the Unix epoch.", "host", "address", "domain"),
		duration:   v("host_duration_seconds", "Time the run spent on the host.", "host"),
		agent:      v("agent_info", "Version of the ck8s agent that ran on the host; always 1.", "host", "version"),
		stepSuccess: v("host_step_success", "1 if the agent step ended ok, changed, skipped or info; 0 if it failed or never ended.",
			"host", "step"),
		stepDuration: v("host_step_duration_seconds", "Duration of the agent step.", "host", "step"),
		cpus:         v("host_cpus", "CPUs of the host, from node_exporter's cpu collector.", "host"),
		load1:        v("host_load1", "1-minute load average of the host at the run.", "host"),
		load5:        v("host_load5", "5-minute load average of the host at the run.", "host"),
		load15:       v("host_load15", "15-minute load average of the host at the run.", "host"),
		memAvailable: v("host_memory_available_bytes", "MemAvailable of the host at the run.", "host"),
		memTotal:     v("host_memory_total_bytes", "MemTotal of the host.", "host"),
		fsAvail:      v("host_filesystem_avail_bytes", "Space available to unprivileged users on the file system at the run.", "host", "mountpoint"),
		fsSize:       v("host_filesystem_size_bytes", "Size of the file system.", "host", "mountpoint"),
	}
}

func (m *sweepMetrics) run(r Run) {
	if !r.Started.IsZero() {
		m.runStarted.Set(float64(r.Started.UnixNano()) / 1e9)
	}
	m.runDuration.Set(r.Duration.Seconds())
	m.runExit.Set(float64(r.ExitCode))
	m.hosts.WithLabelValues(string(Compliant)).Set(float64(r.Summary.Compliant))
	m.hosts.WithLabelValues(string(NonCompliant)).Set(float64(r.Summary.NonCompliant))
	m.hosts.WithLabelValues(string(Unreachable)).Set(float64(r.Summary.Unreachable))
}

func (m *sweepMetrics) host(h Host) {
	name := label(h.Host)
	for _, v := range []Verdict{Compliant, NonCompliant, Unreachable} {
		m.verdict.WithLabelValues(name, string(v)).Set(boolValue(h.Verdict == v))
	}
	if h.Verdict != Unreachable {
		m.compliant.WithLabelValues(name).Set(boolValue(h.Verdict == Compliant))
	}
	for _, f := range h.Findings {
		m.findings.WithLabelValues(name, label(f.Code), label(string(f.Severity))).Inc()
	}
	if h.Scan != nil {
		m.unexpectedPorts.WithLabelValues(name).Set(float64(unexpectedOpen(h)))
	}
	for _, t := range h.TLS {
		if c := t.Certificate; c != nil && !c.NotAfter.IsZero() {
			m.certExpiry.WithLabelValues(name, label(t.Addr), label(t.Domain)).Set(float64(c.NotAfter.Unix()))
		}
	}
	m.duration.WithLabelValues(name).Set(h.Duration.Seconds())
	if h.AgentVersion != "" {
		m.agent.WithLabelValues(name, label(h.AgentVersion)).Set(1)
	}
	for _, s := range h.Steps {
		ok := s.Status != event.StatusFailed && s.Status != event.StatusStarted
		m.stepSuccess.WithLabelValues(name, label(s.Name)).Set(boolValue(ok))
		m.stepDuration.WithLabelValues(name, label(s.Name)).Set(s.Duration.Seconds())
	}
	m.hostMetrics(name, h)
}

// hostMetrics are the node_exporter readings the agent reported.
func (m *sweepMetrics) hostMetrics(name string, h Host) {
	x := h.Metrics
	if x == nil {
		return
	}
	m.cpus.WithLabelValues(name).Set(float64(x.CPUs))
	m.load1.WithLabelValues(name).Set(x.Load1)
	m.load5.WithLabelValues(name).Set(x.Load5)
	m.load15.WithLabelValues(name).Set(x.Load15)
	m.memAvailable.WithLabelValues(name).Set(float64(x.Memory.AvailableBytes))
	m.memTotal.WithLabelValues(name).Set(float64(x.Memory.TotalBytes))
	for _, f := range x.Filesystems {
		m.fsAvail.WithLabelValues(name, label(f.Mountpoint)).Set(float64(f.AvailBytes))
		m.fsSize.WithLabelValues(name, label(f.Mountpoint)).Set(float64(f.SizeBytes))
	}
}

// unexpectedOpen counts the (address, port) pairs open and not expected,
// TCP and UDP: each is one exposure to close.
func unexpectedOpen(h Host) int {
	n := 0
	for _, f := range h.Scan {
		n += len(f.Unexpected)
		if f.UDP != nil {
			n += len(f.UDP.Unexpected)
		}
	}
	return n
}

// label makes a host-supplied string a valid label value: the client
// library panics on invalid UTF-8, and one odd mount point must not cost
// the whole file. Quotes, backslashes and newlines are the encoder's job.
func label(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
