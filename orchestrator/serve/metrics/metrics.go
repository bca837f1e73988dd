package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric of ck8sctl.
const namespace = "ck8s"

// Triggers: what started a run, the trigger label.
const (
	TriggerSchedule = "schedule"
	TriggerWebhook  = "webhook"
	TriggerAPI      = "api"
)

// Outcomes of a run that never produced a report (RunAborted); the others
// are the report's status (ok, failed, unreachable, rolled-back).
const (
	OutcomeInterrupted = "interrupted" // cancelled or the daemon stopped
	OutcomeError       = "error"       // the run could not start or crashed
)

// WebhookUnauthorized is the webhook outcome of a request whose signature
// did not verify: the CK8sWebhookSignatureFailures alert counts it.
const WebhookUnauthorized = "unauthorized"

// Metrics holds the daemon's metrics and their registry. Its methods are
// safe for concurrent use.
type Metrics struct {
	reg    *prometheus.Registry
	run    *runMetrics
	hosts  *hosts
	daemon *daemonMetrics
	queue  *queueCollector
}

// New returns the metrics in a registry of their own (not the global
// one), with the Go runtime and process collectors.
func New() *Metrics {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{reg: reg, run: newRunMetrics(reg), daemon: newDaemonMetrics(reg),
		hosts: &hosts{byHost: map[string]hostResult{}, now: time.Now}, queue: &queueCollector{}}
	reg.MustRegister(m.hosts, m.queue)
	return m
}

// Registry is where the metrics are registered, for tests and for adding
// collectors of other packages.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the exposition formats. A collector's
// error costs its own metrics, not the scrape; the handler counts it in
// promhttp_metric_handler_errors_total.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Registry: m.reg})
}

func fqName(subsystem, name string) string { return prometheus.BuildFQName(namespace, subsystem, name) }
