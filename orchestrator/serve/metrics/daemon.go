package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// waitBuckets, in seconds: a job normally starts within a second of being
// enqueued; minutes mean the workers are all busy.
var waitBuckets = []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600}

// daemonMetrics are what the daemon itself does: webhooks, queue and
// scheduler.
type daemonMetrics struct {
	webhooks      *prometheus.CounterVec
	jobWait       *prometheus.HistogramVec
	fires, missed *prometheus.CounterVec
	tick          prometheus.Gauge
}

func newDaemonMetrics(reg prometheus.Registerer) *daemonMetrics {
	m := &daemonMetrics{
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: fqName("webhook", "requests_total"),
			Help: "Webhook requests by configured hook and outcome; unauthorized is a signature that did not verify."}, []string{"hook", "outcome"}),
		jobWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: fqName("job", "wait_seconds"),
			Help: "Time a job spent queued, from enqueue (or its scheduled time) to the start of its work, by job kind.", Buckets: waitBuckets},
			[]string{"kind"}),
		fires: prometheus.NewCounterVec(prometheus.CounterOpts{Name: fqName("schedule", "fires_total"),
			Help: "Times a schedule fired and enqueued its run."}, []string{"schedule"}),
		missed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: fqName("schedule", "missed_periods_total"),
			Help: "Periods of a schedule that passed without a run (daemon down or stalled) and were skipped, not caught up."}, []string{"schedule"}),
		tick: prometheus.NewGauge(prometheus.GaugeOpts{Name: fqName("scheduler", "last_tick_timestamp_seconds"),
			Help: "Last heartbeat of the scheduler loop, in seconds since the Unix epoch; 0 before the first."}),
	}
	reg.MustRegister(m.webhooks, m.jobWait, m.fires, m.missed, m.tick)
	return m
}

// Webhook counts a request to the webhook hook. hook must be a configured
// hook's name (or one fixed value for unknown ones), never a path taken
// from the request: a label value per request would let anyone grow the
// metrics without bound.
func (m *Metrics) Webhook(hook, outcome string) {
	hook = label(hook)
	// The first unauthorized request of a hook must be an increase too.
	m.daemon.webhooks.WithLabelValues(hook, WebhookUnauthorized)
	m.daemon.webhooks.WithLabelValues(hook, label(outcome)).Inc()
}

// JobWait records how long a job of kind waited in the queue.
func (m *Metrics) JobWait(kind string, d time.Duration) {
	m.daemon.jobWait.WithLabelValues(label(kind)).Observe(d.Seconds())
}

// ScheduleFired counts a fire of schedule and the periods it missed
// before this one.
func (m *Metrics) ScheduleFired(schedule string, missed int) {
	schedule = label(schedule)
	m.daemon.fires.WithLabelValues(schedule).Inc()
	m.daemon.missed.WithLabelValues(schedule).Add(float64(max(missed, 0)))
}

// Schedules creates the series of each configured schedule at 0, so
// that the first fire or miss is an increase and dashboards show every
// schedule before it first fires.
func (m *Metrics) Schedules(names ...string) {
	for _, n := range names {
		m.daemon.fires.WithLabelValues(label(n))
		m.daemon.missed.WithLabelValues(label(n))
	}
}

// SchedulerTick records a heartbeat of the scheduler loop at t; the
// CK8sSchedulerStalled alert fires when it gets old.
func (m *Metrics) SchedulerTick(t time.Time) {
	m.daemon.tick.Set(float64(t.UnixNano()) / 1e9)
}
