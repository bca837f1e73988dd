package hostmetrics

import (
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// memoryFS are file systems in memory: their size says nothing about disk.
var memoryFS = map[string]bool{"tmpfs": true, "ramfs": true, "devtmpfs": true}

// Summarise reduces node_exporter's metric families to facts.Metrics.
// Families it does not know are ignored.
func Summarise(mfs []*dto.MetricFamily) facts.Metrics {
	var m facts.Metrics
	cpus := map[string]bool{}
	fs := map[string]*facts.Filesystem{}
	fsBroken := map[string]bool{}
	nd := map[string]*facts.NetDev{}
	cols := map[string]*facts.Collector{}
	for _, mf := range mfs {
		for _, x := range mf.GetMetric() {
			l, v := labels(x), value(x)
			switch mf.GetName() {
			case "node_cpu_seconds_total":
				cpus[l["cpu"]] = true
			case "node_load1":
				m.Load1 = v
			case "node_load5":
				m.Load5 = v
			case "node_load15":
				m.Load15 = v
			case "node_memory_MemTotal_bytes":
				m.Memory.TotalBytes = uint64(v)
			case "node_memory_MemAvailable_bytes":
				m.Memory.AvailableBytes = uint64(v)
			case "node_filesystem_size_bytes":
				filesystem(fs, l).SizeBytes = uint64(v)
			case "node_filesystem_avail_bytes":
				filesystem(fs, l).AvailBytes = uint64(v)
			case "node_filesystem_readonly":
				filesystem(fs, l).ReadOnly = v == 1
			case "node_filesystem_device_error":
				fsBroken[l["mountpoint"]] = v == 1
			case "node_network_receive_bytes_total":
				netdev(nd, l["device"]).RxBytes = uint64(v)
			case "node_network_transmit_bytes_total":
				netdev(nd, l["device"]).TxBytes = uint64(v)
			case "node_scrape_collector_success":
				scrape(cols, l["collector"]).Success = v == 1
			case "node_scrape_collector_duration_seconds":
				scrape(cols, l["collector"]).DurationSeconds = v
			}
		}
	}
	m.CPUs = len(cpus)
	for mp, f := range fs {
		if !fsBroken[mp] && !memoryFS[f.FSType] {
			m.Filesystems = append(m.Filesystems, *f)
		}
	}
	slices.SortFunc(m.Filesystems, func(a, b facts.Filesystem) int { return strings.Compare(a.Mountpoint, b.Mountpoint) })
	m.Network = sorted(nd, func(a, b facts.NetDev) int { return strings.Compare(a.Interface, b.Interface) })
	m.Collectors = sorted(cols, func(a, b facts.Collector) int { return strings.Compare(a.Name, b.Name) })
	return m
}

func filesystem(fs map[string]*facts.Filesystem, l map[string]string) *facts.Filesystem {
	mp := l["mountpoint"]
	if fs[mp] == nil {
		fs[mp] = &facts.Filesystem{Mountpoint: mp, Device: l["device"], FSType: l["fstype"]}
	}
	return fs[mp]
}

func netdev(nd map[string]*facts.NetDev, dev string) *facts.NetDev {
	if nd[dev] == nil {
		nd[dev] = &facts.NetDev{Interface: dev}
	}
	return nd[dev]
}

func scrape(cols map[string]*facts.Collector, name string) *facts.Collector {
	if cols[name] == nil {
		cols[name] = &facts.Collector{Name: name}
	}
	return cols[name]
}

func sorted[T any](m map[string]*T, cmp func(a, b T) int) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	slices.SortFunc(out, cmp)
	return out
}

func labels(m *dto.Metric) map[string]string {
	l := make(map[string]string, len(m.GetLabel()))
	for _, lp := range m.GetLabel() {
		l[lp.GetName()] = lp.GetValue()
	}
	return l
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}
