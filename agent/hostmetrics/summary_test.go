package hostmetrics

import (
	"testing"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

func family(name string, metrics ...*dto.Metric) *dto.MetricFamily {
	return &dto.MetricFamily{Name: proto.String(name), Metric: metrics}
}

func gauge(v float64, kv ...string) *dto.Metric {
	m := &dto.Metric{Gauge: &dto.Gauge{Value: proto.Float64(v)}}
	for i := 0; i < len(kv); i += 2 {
		m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(kv[i]), Value: proto.String(kv[i+1])})
	}
	return m
}

func TestSummariseLeavesOutBrokenAndMemoryFilesystems(t *testing.T) {
	fs := func(mp, typ string) []string { return []string{"mountpoint", mp, "fstype", typ, "device", "d"} }
	m := Summarise([]*dto.MetricFamily{
		family("node_filesystem_size_bytes", gauge(100, fs("/", "ext4")...), gauge(100, fs("/mnt/nfs", "nfs4")...), gauge(100, fs("/dev/shm", "tmpfs")...)),
		family("node_filesystem_device_error", gauge(0, fs("/", "ext4")...), gauge(1, fs("/mnt/nfs", "nfs4")...), gauge(0, fs("/dev/shm", "tmpfs")...)),
		family("node_scrape_collector_success", gauge(1, "collector", "filesystem"), gauge(0, "collector", "netdev")),
		family("node_unrelated", gauge(7)),
	})
	if len(m.Filesystems) != 1 || m.Filesystems[0].Mountpoint != "/" || m.Filesystems[0].SizeBytes != 100 {
		t.Errorf("filesystems = %+v, want / only", m.Filesystems)
	}
	if len(m.Collectors) != 2 || !m.Collectors[0].Success || m.Collectors[1].Success {
		t.Errorf("collectors = %+v", m.Collectors)
	}
}
