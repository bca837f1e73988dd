package metrics

import (
	"maps"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

var queueDesc = prometheus.NewDesc(fqName("queue", "jobs"),
	"Jobs in the queue by state (available, running, retryable, scheduled...), read at scrape time.", []string{"state"}, nil)

// queueCollector reads the queue's depth at each scrape, so the value is
// never older than the scrape and no goroutine polls the database.
type queueCollector struct {
	mu    sync.Mutex
	depth func() map[string]float64
}

// SetQueueDepth installs f, called at each scrape for the number of jobs
// by state. f runs during the scrape: it must be quick and bounded by a
// timeout of its own. Before it is set, ck8s_queue_jobs has no sample.
func (m *Metrics) SetQueueDepth(f func() map[string]float64) {
	m.queue.mu.Lock()
	defer m.queue.mu.Unlock()
	m.queue.depth = f
}

// Describe sends the one description the collector uses.
func (q *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

// Collect calls the depth function and sends one sample per state.
func (q *queueCollector) Collect(ch chan<- prometheus.Metric) {
	q.mu.Lock()
	f := q.depth
	q.mu.Unlock()
	if f == nil {
		return
	}
	depth := f()
	for _, state := range slices.Sorted(maps.Keys(depth)) {
		ch <- constGauge(queueDesc, depth[state], label(state))
	}
}
