// Package observability holds the Grafana dashboard and the Prometheus
// alerting rules for `ck8sctl serve`, embedded so that tests can check
// every query against the metrics the daemon exposes (package
// orchestrator/serve/metrics) and a name can never drift from one to the
// other. README.md says how to load them.
package observability

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"slices"

	"go.yaml.in/yaml/v3"
)

// The files, at the root of FS.
const (
	AlertsFile    = "alerts.yml"
	DashboardFile = "grafana-dashboard.json"
)

//go:embed alerts.yml grafana-dashboard.json
var files embed.FS

// FS returns the alert rules and the dashboard, at the root.
func FS() fs.FS { return files }

// Expr is one PromQL expression of the assets and where it is.
type Expr struct {
	Where string // "alerts.yml: CK8sRunFailures", "grafana-dashboard.json: panel 3 target A"
	Query string
}

// Exprs returns every expression of the alert rules, the dashboard's
// panels and its template variables.
func Exprs() ([]Expr, error) {
	a, err := alertExprs()
	if err != nil {
		return nil, err
	}
	d, err := dashboardExprs()
	if err != nil {
		return nil, err
	}
	return append(a, d...), nil
}

// Rules is the shape of a Prometheus rule file, as far as it is read here.
type Rules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []Rule `yaml:"rules"`
	} `yaml:"groups"`
}

// Rule is one alerting rule.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// ReadRules decodes alerts.yml.
func ReadRules() (Rules, error) {
	var r Rules
	src, err := fs.ReadFile(files, AlertsFile)
	if err == nil {
		err = yaml.Unmarshal(src, &r)
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w", AlertsFile, err)
	}
	return r, nil
}

func alertExprs() ([]Expr, error) {
	r, err := ReadRules()
	if err != nil {
		return nil, err
	}
	var out []Expr
	for _, g := range r.Groups {
		for _, rule := range g.Rules {
			out = append(out, Expr{Where: AlertsFile + ": " + rule.Alert, Query: rule.Expr})
		}
	}
	return out, nil
}

func dashboardExprs() ([]Expr, error) {
	d, err := ReadDashboard()
	if err != nil {
		return nil, err
	}
	var out []Expr
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			out = append(out, Expr{Where: fmt.Sprintf("%s: panel %d target %s", DashboardFile, p.ID, t.RefID), Query: t.Expr})
		}
	}
	for _, v := range d.Templating.List {
		if q := v.PromQL(); q != "" {
			out = append(out, Expr{Where: fmt.Sprintf("%s: variable %s", DashboardFile, v.Name), Query: q})
		}
	}
	return out, nil
}

// metricName matches the metric names of ck8sctl in PromQL. Parsing
// PromQL would need the whole Prometheus module; every name of ours has
// the prefix.
var metricName = regexp.MustCompile(`\bck8s_[a-zA-Z0-9_]+`)

// MetricNames returns the ck8s_ metric names a query uses, as sample
// names (a histogram's ck8s_x_bucket, not ck8s_x), sorted.
func MetricNames(query string) []string {
	names := metricName.FindAllString(query, -1)
	slices.Sort(names)
	return slices.Compact(names)
}

// decodeJSON is json.Unmarshal naming the file.
func decodeJSON(name string, v any) error {
	src, err := fs.ReadFile(files, name)
	if err == nil {
		err = json.Unmarshal(src, v)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
