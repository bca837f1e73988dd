package metrics

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ck8s/ck8sctl/deploy/observability"
)

// TestAssetsUseExposedMetrics: every metric an alert rule or a dashboard
// query uses is served on /metrics after realistic runs, read the way
// Prometheus reads it: over HTTP from the handler, as text.
func TestAssetsUseExposedMetrics(t *testing.T) {
	m := New()
	feed(m)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	served, err := Names(scrape(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	registered, err := Names(m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(served, registered) {
		t.Errorf("served names differ from the registry's:\nserved     %q\nregistered %q", served, registered)
	}
	exprs, err := observability.Exprs()
	if err != nil {
		t.Fatal(err)
	}
	used := 0
	for _, e := range exprs {
		for _, name := range observability.MetricNames(e.Query) {
			used++
			if _, ok := slices.BinarySearch(served, name); !ok {
				t.Errorf("%s uses %s, which /metrics does not serve", e.Where, name)
			}
		}
	}
	if used < 20 {
		t.Errorf("only %d metric uses found in %d expressions: is the extraction broken?", used, len(exprs))
	}
}

// scrape GETs url as Prometheus would and parses the text format.
func scrape(t *testing.T, url string) prometheus.Gatherer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		out := make([]*dto.MetricFamily, 0, len(mfs))
		for _, mf := range mfs {
			out = append(out, mf)
		}
		return out, nil
	})
}
