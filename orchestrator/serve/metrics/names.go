package metrics

import (
	"fmt"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Names lists the sample names g exposes, as PromQL sees them: a
// histogram's _bucket, _sum and _count, a summary's own name, _sum and
// _count, every other family's name. Tests check with it that the alert
// rules and the dashboard only use metrics that exist; a live /metrics
// parsed into families (expfmt) can be wrapped in prometheus.GathererFunc.
func Names(g prometheus.Gatherer) ([]string, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, fmt.Errorf("gathering metrics: %w", err)
	}
	var out []string
	for _, mf := range mfs {
		out = append(out, sampleNames(mf)...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func sampleNames(mf *dto.MetricFamily) []string {
	n := mf.GetName()
	switch mf.GetType() {
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		return []string{n + "_bucket", n + "_sum", n + "_count"}
	case dto.MetricType_SUMMARY:
		return []string{n, n + "_sum", n + "_count"}
	}
	return []string{n}
}
