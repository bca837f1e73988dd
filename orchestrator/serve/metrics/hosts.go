package metrics

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// hosts is a collector of every host's latest result. A result is a set
// of constant metrics built once when it arrives and swapped in whole, so
// a scrape never sees half of one host's result and half of another's.
type hosts struct {
	mu     sync.Mutex
	byHost map[string]hostResult // by host label value
	now    func() time.Time
}

// hostResult is one host's latest result.
type hostResult struct {
	started time.Time // of the run: an older run finishing late loses
	verdict string
	metrics []prometheus.Metric
}

var hostsDesc = prometheus.NewDesc(fqName("", "hosts"),
	"Hosts by the verdict of their latest result (compliant, non-compliant, unreachable).", []string{"verdict"}, nil)

// verdicts are always exposed, at 0 when no host has them.
var verdicts = []report.Verdict{report.Compliant, report.NonCompliant, report.Unreachable}

// update replaces the results of r's hosts, unless a run started later
// already reported them.
func (c *hosts) update(r report.Run) {
	at := r.Started.Add(r.Duration)
	if r.Started.IsZero() {
		at = c.now()
	}
	fresh := make(map[string]hostResult, len(r.Hosts))
	for _, h := range r.Hosts {
		name := label(h.Host)
		fresh[name] = hostResult{started: r.Started, verdict: label(string(h.Verdict)), metrics: hostMetrics(name, h, at)}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, res := range fresh {
		if old, ok := c.byHost[name]; !ok || !res.started.Before(old.started) {
			c.byHost[name] = res
		}
	}
}

// Describe sends every description the collector uses, for the pedantic
// registry to check the collected metrics against.
func (c *hosts) Describe(ch chan<- *prometheus.Desc) {
	ch <- hostsDesc
	for _, d := range hostDescs {
		ch <- d
	}
}

// Collect sends every host's latest result and the count by verdict.
func (c *hosts) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	count := map[string]int{}
	for _, v := range verdicts {
		count[string(v)] = 0
	}
	for _, res := range c.byHost {
		count[res.verdict]++
		for _, m := range res.metrics {
			ch <- m
		}
	}
	for v, n := range count {
		ch <- constGauge(hostsDesc, float64(n), v)
	}
}

// constGauge is a gauge sample; an invalid one (a bug, since label
// values are made valid) fails the scrape, naming the metric.
func constGauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
	if err != nil {
		return prometheus.NewInvalidMetric(d, err)
	}
	return m
}

// label makes a host-supplied string a valid label value: the client
// library refuses invalid UTF-8, and one odd mount point must not cost the
// whole scrape. Quotes, backslashes and newlines are the encoder's job.
func label(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
