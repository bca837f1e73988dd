package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// hostDesc describes a per-host gauge, labelled by host and extra.
func hostDesc(name, help string, extra ...string) *prometheus.Desc {
	return prometheus.NewDesc(fqName("host", name), help, append([]string{"host"}, extra...), nil)
}

// The per-host gauges, named as report.Prometheus names them with the
// ck8s_host_ prefix.
var (
	verdictDesc = hostDesc("verdict", "1 for the verdict of the host's latest result (compliant, non-compliant, unreachable); one series per host.", "verdict")
	lastRunDesc = hostDesc("last_run_timestamp_seconds", "End of the latest run that reported the host, in seconds since the Unix epoch.")
	portsDesc   = hostDesc("unexpected_open_ports",
		"Ports, TCP and UDP, found open from outside on the host's addresses and not expected by the playbook, counted per address; no sample when the latest run did not scan.")
	// The expiry itself rather than days left: days computed at the run
	// would be a day off a day later. The alert and the dashboard
	// subtract time().
	certDesc = hostDesc("tls_certificate_expiry_timestamp_seconds",
		"Earliest expiry (notAfter) of the certificates served by the host, in seconds since the Unix epoch; no sample when the latest run checked none.")
	cpusDesc     = hostDesc("cpus", "CPUs of the host, from node_exporter's cpu collector.")
	load1Desc    = hostDesc("load1", "1-minute load average of the host at the latest run.")
	load5Desc    = hostDesc("load5", "5-minute load average of the host at the latest run.")
	load15Desc   = hostDesc("load15", "15-minute load average of the host at the latest run.")
	memTotalDesc = hostDesc("memory_total_bytes", "MemTotal of the host.")
	memAvailDesc = hostDesc("memory_available_bytes", "MemAvailable of the host at the latest run.")
	fsSizeDesc   = hostDesc("filesystem_size_bytes", "Size of the file system.", "mountpoint")
	fsAvailDesc  = hostDesc("filesystem_avail_bytes", "Space available to unprivileged users on the file system at the latest run.", "mountpoint")

	hostDescs = []*prometheus.Desc{verdictDesc, lastRunDesc, portsDesc, certDesc, cpusDesc, load1Desc, load5Desc, load15Desc,
		memTotalDesc, memAvailDesc, fsSizeDesc, fsAvailDesc}
)

// hostMetrics builds the gauges of one host's result, at the end of its
// run. What the run did not measure has no sample.
func hostMetrics(name string, h report.Host, at time.Time) []prometheus.Metric {
	out := []prometheus.Metric{
		constGauge(verdictDesc, 1, name, label(string(h.Verdict))),
		constGauge(lastRunDesc, float64(at.UnixNano())/1e9, name),
	}
	if h.Scan != nil {
		out = append(out, constGauge(portsDesc, float64(unexpectedOpen(h)), name))
	}
	if exp, ok := certExpiry(h); ok {
		out = append(out, constGauge(certDesc, float64(exp.Unix()), name))
	}
	return append(out, loadMetrics(name, h)...)
}

// loadMetrics are the node_exporter readings the agent reported.
func loadMetrics(name string, h report.Host) []prometheus.Metric {
	x := h.Metrics
	if x == nil {
		return nil
	}
	out := []prometheus.Metric{
		constGauge(cpusDesc, float64(x.CPUs), name),
		constGauge(load1Desc, x.Load1, name),
		constGauge(load5Desc, x.Load5, name),
		constGauge(load15Desc, x.Load15, name),
		constGauge(memTotalDesc, float64(x.Memory.TotalBytes), name),
		constGauge(memAvailDesc, float64(x.Memory.AvailableBytes), name),
	}
	seen := map[string]bool{} // a mount point listed twice (bind mounts) is one series
	for _, f := range x.Filesystems {
		mp := label(f.Mountpoint)
		if seen[mp] {
			continue
		}
		seen[mp] = true
		out = append(out, constGauge(fsSizeDesc, float64(f.SizeBytes), name, mp), constGauge(fsAvailDesc, float64(f.AvailBytes), name, mp))
	}
	return out
}

// unexpectedOpen counts the (address, port) pairs open and not expected,
// TCP and UDP: each is one exposure to close.
func unexpectedOpen(h report.Host) int {
	n := 0
	for _, f := range h.Scan {
		n += len(f.Unexpected)
		if f.UDP != nil {
			n += len(f.UDP.Unexpected)
		}
	}
	return n
}

// certExpiry is the earliest notAfter of the host's certificates: the
// one to renew first.
func certExpiry(h report.Host) (time.Time, bool) {
	var first time.Time
	for _, t := range h.TLS {
		if t == nil || t.Certificate == nil || t.Certificate.NotAfter.IsZero() {
			continue
		}
		if na := t.Certificate.NotAfter; first.IsZero() || na.Before(first) {
			first = na
		}
	}
	return first, !first.IsZero()
}
