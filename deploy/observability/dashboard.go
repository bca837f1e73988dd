package observability

import "encoding/json"

// Dashboard is the Grafana dashboard, as far as it is checked here.
type Dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []Panel `json:"panels"`
	Templating    struct {
		List []Variable `json:"list"`
	} `json:"templating"`
}

// Panel is one panel; rows are panels of type "row" without targets.
type Panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *Datasource `json:"datasource"`
	GridPos    GridPos     `json:"gridPos"`
	Targets    []Target    `json:"targets"`
}

// Datasource names the data source of a panel or a target.
type Datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// GridPos is where a panel sits, in a grid 24 units wide.
type GridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// Target is one query of a panel.
type Target struct {
	RefID      string      `json:"refId"`
	Expr       string      `json:"expr"`
	Datasource *Datasource `json:"datasource"`
}

// Variable is a template variable. Its query is a string for a data
// source variable ("prometheus") and an object for a query variable.
type Variable struct {
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Query json.RawMessage `json:"query"`
}

// PromQL is the query of a query variable, "" for other kinds.
func (v Variable) PromQL() string {
	var q struct {
		Query string `json:"query"`
	}
	if v.Type != "query" || json.Unmarshal(v.Query, &q) != nil {
		return ""
	}
	return q.Query
}

// ReadDashboard decodes grafana-dashboard.json.
func ReadDashboard() (Dashboard, error) {
	var d Dashboard
	err := decodeJSON(DashboardFile, &d)
	return d, err
}
