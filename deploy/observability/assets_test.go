package observability

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestRulesShape: every alert has a severity, a summary and a
// description, and an alerts_test.yml case that expects it to fire.
func TestRulesShape(t *testing.T) {
	r, err := ReadRules()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Groups) != 1 || r.Groups[0].Name != "ck8s" {
		t.Fatalf("want one group ck8s, got %d groups", len(r.Groups))
	}
	tested := firingTests(t)
	for _, rule := range r.Groups[0].Rules {
		if !slices.Contains([]string{"warning", "critical"}, rule.Labels["severity"]) {
			t.Errorf("%s: severity %q, want warning or critical", rule.Alert, rule.Labels["severity"])
		}
		for _, a := range []string{"summary", "description"} {
			if strings.TrimSpace(rule.Annotations[a]) == "" {
				t.Errorf("%s: no %s annotation", rule.Alert, a)
			}
		}
		if !tested[rule.Alert] {
			t.Errorf("%s: no case in alerts_test.yml expects it to fire", rule.Alert)
		}
	}
}

// firingTests names the alerts that alerts_test.yml expects to fire.
func firingTests(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("alerts_test.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(src, &f); err != nil {
		t.Fatalf("alerts_test.yml: %v", err)
	}
	out := map[string]bool{}
	for _, tc := range f.Tests {
		for _, a := range tc.AlertRuleTest {
			out[a.Alertname] = out[a.Alertname] || len(a.ExpAlerts) > 0
		}
	}
	return out
}

// TestDashboardShape: the dashboard is JSON Grafana imports: unique panel
// ids, panels inside the 24-unit grid and not overlapping, every query on
// the ${DS_PROMETHEUS} data source and naming our metrics.
func TestDashboardShape(t *testing.T) {
	d, err := ReadDashboard()
	if err != nil {
		t.Fatal(err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 {
		t.Errorf("uid %q, title %q, schemaVersion %d", d.UID, d.Title, d.SchemaVersion)
	}
	if !slices.ContainsFunc(d.Templating.List, func(v Variable) bool { return v.Name == "DS_PROMETHEUS" && v.Type == "datasource" }) {
		t.Error("no datasource variable DS_PROMETHEUS")
	}
	ids := map[int]string{}
	for i, p := range d.Panels {
		if other, dup := ids[p.ID]; dup || p.ID <= 0 {
			t.Errorf("panel %q: id %d (also %q)", p.Title, p.ID, other)
		}
		ids[p.ID] = p.Title
		if g := p.GridPos; g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %d %q: gridPos %+v outside the grid", p.ID, p.Title, g)
		}
		for _, q := range d.Panels[:i] {
			if overlap(p.GridPos, q.GridPos) {
				t.Errorf("panels %d and %d overlap", q.ID, p.ID)
			}
		}
		if p.Type != "row" {
			checkPanelQueries(t, p)
		}
	}
}

func checkPanelQueries(t *testing.T, p Panel) {
	t.Helper()
	if p.Title == "" || len(p.Targets) == 0 {
		t.Errorf("panel %d: title %q, %d targets", p.ID, p.Title, len(p.Targets))
	}
	for _, ds := range append([]*Datasource{p.Datasource}, targetSources(p)...) {
		if ds == nil || ds.UID != "${DS_PROMETHEUS}" {
			t.Errorf("panel %d %q: data source %+v, want uid ${DS_PROMETHEUS}", p.ID, p.Title, ds)
		}
	}
	for _, tg := range p.Targets {
		if len(MetricNames(tg.Expr)) == 0 {
			t.Errorf("panel %d %q target %s: %q uses no ck8s_ metric", p.ID, p.Title, tg.RefID, tg.Expr)
		}
	}
}

func targetSources(p Panel) []*Datasource {
	var out []*Datasource
	for _, tg := range p.Targets {
		out = append(out, tg.Datasource)
	}
	return out
}

func overlap(a, b GridPos) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// TestMetricNames: histogram suffixes stay (they are sample names) and a
// name is found wherever it sits in a query.
func TestMetricNames(t *testing.T) {
	got := MetricNames(`histogram_quantile(0.9, sum by (le) (rate(ck8s_run_duration_seconds_bucket[5m]))) / ck8s_host_cpus{host=~"$host"} or ck8s_host_cpus`)
	if want := []string{"ck8s_host_cpus", "ck8s_run_duration_seconds_bucket"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
