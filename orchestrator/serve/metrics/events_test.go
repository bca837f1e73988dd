package metrics

import (
	"testing"
	"time"
)

// TestEventCounters: runs count by action, trigger and outcome (aborted
// ones too), durations are observed, rollbacks and DNS preflight failures
// count per host, and the daemon's own events land where the alerts and
// the dashboard read them.
func TestEventCounters(t *testing.T) {
	m := New()
	mfs := families(t, m.Registry())
	// Known series exist at 0 before any run, for increase() to see the
	// first failure.
	if got, ok := value(mfs, "ck8s_runs_total", map[string]string{"action": "harden", "trigger": "webhook", "outcome": "failed"}); !ok || got != 0 {
		t.Errorf("runs_total before any run: %v (present %v), want 0", got, ok)
	}
	feed(m)
	m.RunFinished(sweepRun(t0.Add(2*time.Hour)), TriggerSchedule)
	mfs = families(t, m.Registry())

	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ck8s_runs_started_total", map[string]string{"action": "sweep", "trigger": "schedule"}, 1},
		{"ck8s_runs_total", map[string]string{"action": "sweep", "trigger": "schedule", "outcome": "failed"}, 2},
		{"ck8s_runs_total", map[string]string{"action": "harden", "trigger": "api", "outcome": "unreachable"}, 1}, // web-4 beats the rollback
		{"ck8s_runs_total", map[string]string{"action": "bootstrap", "trigger": "webhook", "outcome": "interrupted"}, 1},
		{"ck8s_runs_total", map[string]string{"action": "sweep", "trigger": "schedule", "outcome": "ok"}, 0},
		{"ck8s_run_duration_seconds", map[string]string{"action": "sweep"}, 2},
		{"ck8s_run_duration_seconds", map[string]string{"action": "bootstrap"}, 0},
		// firewall ended on web-1 and web-2 in each sweep; skipped steps are not durations.
		{"ck8s_step_duration_seconds", map[string]string{"action": "sweep", "step": "firewall"}, 4},
		{"ck8s_step_duration_seconds", map[string]string{"action": "harden", "step": "firewall"}, 2},
		{"ck8s_firewall_rollbacks_total", host("web-2"), 1},
		{"ck8s_firewall_rollbacks_total", host("web-1"), 0},
		{"ck8s_dns_preflight_failures_total", host("web-3"), 2}, // its dns step failed in both sweeps
		{"ck8s_dns_preflight_failures_total", host("web-5"), 1}, // dns.mismatch
		{"ck8s_dns_preflight_failures_total", host("web-2"), 0},
		{"ck8s_webhook_requests_total", map[string]string{"hook": "gitlab", "outcome": "unauthorized"}, 1},
		{"ck8s_job_wait_seconds", map[string]string{"kind": "run"}, 1},
		{"ck8s_schedule_fires_total", map[string]string{"schedule": "nightly-sweep"}, 1},
		{"ck8s_schedule_missed_periods_total", map[string]string{"schedule": "nightly-sweep"}, 2},
		{"ck8s_scheduler_last_tick_timestamp_seconds", map[string]string{}, float64(t0.Add(2 * time.Hour).Unix())},
		{"ck8s_queue_jobs", map[string]string{"state": "scheduled"}, 5},
		{"ck8s_host_unexpected_open_ports", host("web-2"), 3}, // the newest sweep: 2 TCP, 1 UDP
	} {
		if got, ok := value(mfs, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if _, ok := mfs["ck8s_step_duration_seconds"]; ok && len(series(mfs, "ck8s_step_duration_seconds", map[string]string{"step": "manifests"})) != 0 {
		t.Error("a skipped step was observed")
	}
}

// TestQueueDepthAtScrape: the depth function runs at each scrape, so the
// value follows the queue with nothing polling it.
func TestQueueDepthAtScrape(t *testing.T) {
	m := New()
	if n := len(families(t, m.Registry())["ck8s_queue_jobs"].GetMetric()); n != 0 {
		t.Errorf("%d queue samples before SetQueueDepth", n)
	}
	depth := 0.0
	m.SetQueueDepth(func() map[string]float64 { depth++; return map[string]float64{"available": depth} })
	for want := 1.0; want <= 2; want++ {
		if got, _ := value(families(t, m.Registry()), "ck8s_queue_jobs", map[string]string{"state": "available"}); got != want {
			t.Errorf("scrape %v: available = %v", want, got)
		}
	}
}

// TestHostileLabels: host names and mount points come from hosts and
// playbooks; invalid UTF-8 and duplicates must not break the scrape.
func TestHostileLabels(t *testing.T) {
	m := New()
	r := sweepRun(t0)
	r.Hosts[0].Host = "a\"b\\c\nd\xffe"
	r.Hosts[1].Host = "a\"b\\c\nd\xfee" // the same label value once made valid
	fs := r.Hosts[0].Metrics.Filesystems
	r.Hosts[0].Metrics.Filesystems = append(fs, fs[0])
	m.RunFinished(r, TriggerAPI)
	mfs := families(t, m.Registry())
	if n := len(series(mfs, "ck8s_host_verdict", host("a\"b\\c\nd\uFFFDe"))); n != 1 {
		t.Errorf("%d verdict series for the hostile host, want 1", n)
	}
}
