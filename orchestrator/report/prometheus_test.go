package report

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// TestPrometheusLint: the metrics follow the Prometheus naming rules
// (base units, unit suffixes, HELP on every one), read both from the
// registry and from the text a textfile collector would read.
func TestPrometheusLint(t *testing.T) {
	mfs, err := registry(sample()).Gather()
	if err != nil {
		t.Fatal(err)
	}
	lint(t, "registry", promlint.NewWithMetricFamilies(mfs))
	lint(t, "text", promlint.New(bytes.NewReader(renderPrometheus(t, sample()))))
}

func lint(t *testing.T, what string, l *promlint.Linter) {
	t.Helper()
	problems, err := l.Lint()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s: %s", what, p.Metric, p.Text)
	}
}

// TestPrometheusGolden pins -o prometheus for the sample and reads the
// values back the way Prometheus would.
func TestPrometheusGolden(t *testing.T) {
	out := renderPrometheus(t, sample())
	golden(t, "prometheus.golden.prom", out)
	mfs := parseProm(t, out)

	for _, tt := range []struct {
		name   string
		labels string
		want   float64
	}{
		{"ck8s_sweep_run_timestamp_seconds", "", float64(time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC).Unix())},
		{"ck8s_sweep_run_duration_seconds", "", 12},
		{"ck8s_sweep_run_exit_code", "", ExitUnreachable},
		{"ck8s_sweep_hosts", "verdict=compliant", 1},
		{"ck8s_sweep_hosts", "verdict=non-compliant", 1},
		{"ck8s_sweep_hosts", "verdict=unreachable", 1},
		{"ck8s_sweep_host_verdict", "host=web-1,verdict=compliant", 1},
		{"ck8s_sweep_host_verdict", "host=web-1,verdict=non-compliant", 0},
		{"ck8s_sweep_host_compliant", "host=web-1", 1},
		{"ck8s_sweep_findings", "code=tls.expiring,host=web-1,severity=warning", 1},
		{"ck8s_sweep_unexpected_open_ports", "host=web-1", 0},
		{"ck8s_sweep_tls_certificate_expiry_timestamp_seconds", "address=198.18.0.2:443,domain=staging.lab.test,host=web-1",
			float64(time.Date(2026, 12, 21, 20, 0, 0, 0, time.UTC).Unix())},
		{"ck8s_sweep_host_load1", "host=web-1", 0.5},
		{"ck8s_sweep_host_memory_available_bytes", "host=web-1", 1 << 30},
		{"ck8s_sweep_host_filesystem_avail_bytes", "host=web-1,mountpoint=/", 40},
		{"ck8s_sweep_host_duration_seconds", "host=web-1", 1.5},
		{"ck8s_sweep_agent_info", "host=web-1,version=v1.2.3", 1},
		{"ck8s_sweep_host_step_success", "host=web-1,step=firewall", 1},
		{"ck8s_sweep_host_step_duration_seconds", "host=web-1,step=firewall", 0.2},
		{"ck8s_sweep_host_verdict", "host=web-2,verdict=non-compliant", 1},
		{"ck8s_sweep_host_compliant", "host=web-2", 0},
		{"ck8s_sweep_findings", "code=firewall.drift,host=web-2,severity=critical", 1},
		{"ck8s_sweep_findings", "code=port.unexpected_open,host=web-2,severity=critical", 1},
		{"ck8s_sweep_unexpected_open_ports", "host=web-2", 1},
		{"ck8s_sweep_host_verdict", "host=web-3,verdict=unreachable", 1},
		{"ck8s_sweep_host_verdict", "host=web-3,verdict=compliant", 0},
		{"ck8s_sweep_host_duration_seconds", "host=web-3", 10},
	} {
		if got, ok := sampleValue(mfs, tt.name, tt.labels); !ok || got != tt.want {
			t.Errorf("%s{%s} = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if n := sumWhere(mfs, "ck8s_sweep_findings", "host=web-2", "severity=critical"); n != 2 {
		t.Errorf("web-2 critical findings: %v, want 2", n)
	}
	// What web-3 could not report has no sample, not a misleading 0.
	for _, name := range []string{"ck8s_sweep_host_compliant", "ck8s_sweep_host_load1", "ck8s_sweep_host_memory_available_bytes",
		"ck8s_sweep_unexpected_open_ports", "ck8s_sweep_agent_info", "ck8s_sweep_findings"} {
		if n := countWhere(mfs, name, "host=web-3"); n != 0 {
			t.Errorf("web-3 has %d sample(s) of %s", n, name)
		}
	}
	for name, mf := range mfs {
		if mf.GetType() != dto.MetricType_GAUGE || mf.GetHelp() == "" {
			t.Errorf("%s: type %s, help %q: want a gauge with help", name, mf.GetType(), mf.GetHelp())
		}
		for _, m := range mf.GetMetric() {
			if m.TimestampMs != nil {
				t.Errorf("%s: a timestamp, which the textfile collector refuses", name)
			}
		}
	}
}

// TestPrometheusStepsAndUDP: a failed step reads 0, and UDP exposures
// count with TCP ones.
func TestPrometheusStepsAndUDP(t *testing.T) {
	r := New(Meta{}, []*phase.Result{{Host: "h", Status: phase.StatusFailed,
		Steps: []phase.Step{{Name: "firewall", Status: event.StatusFailed}, {Name: "dns", Status: event.StatusSkipped}},
		Scan: []scan.Finding{
			{Target: "198.18.0.5", Verdict: scan.Verdict{Unexpected: []uint16{8080, 9090}}, UDP: &scan.UDPFinding{Unexpected: []uint16{161}}},
			{Target: "2001:db8::5", Verdict: scan.Verdict{Unexpected: []uint16{8080}}},
		}}}, 0)
	mfs := parseProm(t, renderPrometheus(t, r))
	for labels, want := range map[string]float64{"host=h,step=firewall": 0, "host=h,step=dns": 1} {
		if got, _ := sampleValue(mfs, "ck8s_sweep_host_step_success", labels); got != want {
			t.Errorf("step_success{%s} = %v, want %v", labels, got, want)
		}
	}
	if got, _ := sampleValue(mfs, "ck8s_sweep_unexpected_open_ports", "host=h"); got != 4 {
		t.Errorf("unexpected_open_ports = %v, want 4", got)
	}
}

// TestPrometheusHostileLabels: host names, mount points and versions come
// from hosts; quotes, backslashes, newlines and invalid UTF-8 must give a
// file Prometheus parses, with one sample per host.
func TestPrometheusHostileLabels(t *testing.T) {
	nasty := "a\"b\\c\nd\xffe{f=\"g\"}"
	r := New(Meta{Started: time.Now()}, []*phase.Result{
		{Host: nasty, Status: phase.StatusOK, AgentVersion: nasty,
			Metrics:  &facts.Metrics{Filesystems: []facts.Filesystem{{Mountpoint: nasty}, {Mountpoint: nasty}}},
			Findings: []phase.Finding{{Code: nasty, Severity: phase.SeverityWarning}}},
		{Host: "plain", Status: phase.StatusUnreachable},
	}, time.Second)
	mfs := parseProm(t, renderPrometheus(t, r))
	hosts := map[string]bool{}
	for _, m := range mfs["ck8s_sweep_host_duration_seconds"].GetMetric() {
		hosts[labelsOf(m)["host"]] = true
	}
	want := strings.ToValidUTF8(nasty, "\uFFFD")
	if !maps.Equal(hosts, map[string]bool{want: true, "plain": true}) {
		t.Errorf("hosts read back: %q, want %q and plain", slices.Collect(maps.Keys(hosts)), want)
	}
	if n := countWhere(mfs, "ck8s_sweep_host_filesystem_avail_bytes", "host="+want); n != 1 {
		t.Errorf("a mount point reported twice gives %d samples, want 1", n)
	}
}

func renderPrometheus(t *testing.T, r Run) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, "prometheus", r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func parseProm(t *testing.T, out []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("parsing our own output: %v\n%s", err, out)
	}
	return mfs
}

func labelsOf(m *dto.Metric) map[string]string {
	ls := map[string]string{}
	for _, l := range m.GetLabel() {
		ls[l.GetName()] = l.GetValue()
	}
	return ls
}

// matches says whether m has every name=value of want.
func matches(m *dto.Metric, want ...string) bool {
	ls := labelsOf(m)
	for _, w := range want {
		name, value, _ := strings.Cut(w, "=")
		if ls[name] != value {
			return false
		}
	}
	return true
}

// sampleValue is the value of the one sample of name with exactly the
// labels given as "a=x,b=y" (sorted by name, "" for none).
func sampleValue(mfs map[string]*dto.MetricFamily, name, labels string) (float64, bool) {
	for _, m := range mfs[name].GetMetric() {
		var got []string
		for _, l := range m.GetLabel() {
			got = append(got, fmt.Sprintf("%s=%s", l.GetName(), l.GetValue()))
		}
		if strings.Join(got, ",") == labels {
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

func sumWhere(mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	sum := 0.0
	for _, m := range mfs[name].GetMetric() {
		if matches(m, labels...) {
			sum += m.GetGauge().GetValue()
		}
	}
	return sum
}

func countWhere(mfs map[string]*dto.MetricFamily, name string, labels ...string) int {
	n := 0
	for _, m := range mfs[name].GetMetric() {
		if matches(m, labels...) {
			n++
		}
	}
	return n
}
