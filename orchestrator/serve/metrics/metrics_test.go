package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestLint: after realistic runs, every family follows the Prometheus
// naming rules (base units, unit suffixes, _total, help) and is
// consistent with its description (pedantic registry).
func TestLint(t *testing.T) {
	m := New()
	feed(m)
	problems, err := testutil.GatherAndLint(m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	for name, mf := range families(t, m.Registry()) {
		if mf.GetHelp() == "" {
			t.Errorf("%s: no help", name)
		}
	}
}

// TestVerdictReplaced: a newer result replaces a host's series, the old
// verdict series goes, hosts by verdict follow, and a host absent from
// the newer run keeps everything it had.
func TestVerdictReplaced(t *testing.T) {
	m := New()
	m.RunFinished(sweepRun(t0), TriggerSchedule)
	mfs := families(t, m.Registry())
	if _, ok := value(mfs, "ck8s_host_verdict", host("web-3", "verdict", "unreachable")); !ok {
		t.Fatal("web-3: no unreachable verdict after the sweep")
	}
	m.RunFinished(hardenRun(t0.Add(time.Hour)), TriggerAPI)
	mfs = families(t, m.Registry())

	want := map[string]string{"web-1": "compliant", "web-2": "non-compliant", "web-3": "compliant", "web-4": "unreachable", "web-5": "non-compliant"}
	for h, v := range want {
		got := series(mfs, "ck8s_host_verdict", host(h))
		if len(got) != 1 || labelsOf(got[0])["verdict"] != v || got[0].GetGauge().GetValue() != 1 {
			t.Errorf("%s: verdict series %v, want only %s = 1", h, got, v)
		}
	}
	for v, n := range map[string]float64{"compliant": 2, "non-compliant": 2, "unreachable": 1} {
		if got, _ := value(mfs, "ck8s_hosts", map[string]string{"verdict": v}); got != n {
			t.Errorf("ck8s_hosts{verdict=%q} = %v, want %v", v, got, n)
		}
	}
	// web-1 was not in the harden run: its sweep result stays.
	for name, want := range map[string]float64{
		"ck8s_host_load1":                                    0.5,
		"ck8s_host_unexpected_open_ports":                    0,
		"ck8s_host_last_run_timestamp_seconds":               float64(t0.Add(12 * time.Second).Unix()),
		"ck8s_host_tls_certificate_expiry_timestamp_seconds": float64(t0.Add(10 * 24 * time.Hour).Unix()),
	} {
		if got, ok := value(mfs, name, host("web-1")); !ok || got != want {
			t.Errorf("web-1 %s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	// web-2's newer result did not scan and web-3's sweep result had no
	// load: what the newest result did not measure has no sample.
	if got := series(mfs, "ck8s_host_unexpected_open_ports", host("web-2")); len(got) != 0 {
		t.Errorf("web-2 keeps unexpected open ports of the older run: %v", got)
	}
	if got, _ := value(mfs, "ck8s_host_load1", host("web-3")); got != 1 {
		t.Errorf("web-3 load1 = %v, want the harden run's 1", got)
	}
}

// TestOlderRunLoses: a run that started before the one that last reported
// a host, and finishes after it, counts but does not replace the host.
func TestOlderRunLoses(t *testing.T) {
	m := New()
	m.RunFinished(hardenRun(t0.Add(time.Hour)), TriggerAPI)
	m.RunFinished(sweepRun(t0), TriggerSchedule) // started earlier, reported later
	mfs := families(t, m.Registry())
	if got := series(mfs, "ck8s_host_verdict", host("web-3")); len(got) != 1 || labelsOf(got[0])["verdict"] != "compliant" {
		t.Errorf("web-3: %v, want the newer compliant verdict", got)
	}
	if _, ok := value(mfs, "ck8s_host_verdict", host("web-1", "verdict", "compliant")); !ok {
		t.Error("web-1, only in the older run, is missing")
	}
	if got, _ := value(mfs, "ck8s_runs_total", map[string]string{"action": "sweep", "trigger": "schedule", "outcome": "failed"}); got != 1 {
		t.Errorf("the older run was not counted: %v", got)
	}
}

// TestConcurrentScrape: runs finish while Prometheus scrapes (run with
// -race): each scrape sees whole results.
func TestConcurrentScrape(t *testing.T) {
	m := New()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			m.RunFinished(sweepRun(t0.Add(time.Duration(i)*time.Minute)), TriggerSchedule)
			m.SchedulerTick(t0)
		}
	}()
	for range 20 {
		mfs := families(t, m.Registry())
		for _, s := range mfs["ck8s_hosts"].GetMetric() {
			if v := s.GetGauge().GetValue(); v != 0 && v != 1 {
				t.Errorf("hosts by verdict %v: %v", labelsOf(s), v)
			}
		}
	}
	<-done
}
