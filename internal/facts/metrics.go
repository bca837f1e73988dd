package facts

// Metrics is a snapshot of a host's load, summarised from node_exporter
// collectors (data of event metrics.collected).
type Metrics struct {
	CPUs        int          `json:"cpus"`
	Load1       float64      `json:"load1"`
	Load5       float64      `json:"load5"`
	Load15      float64      `json:"load15"`
	Memory      Memory       `json:"memory"`
	Filesystems []Filesystem `json:"filesystems,omitempty"`
	Network     []NetDev     `json:"network,omitempty"`
	// Collectors reports every node_exporter collector that ran, as
	// node_scrape_collector_success and _duration_seconds do.
	Collectors []Collector `json:"collectors"`
}

// Memory in bytes, from /proc/meminfo.
type Memory struct {
	TotalBytes     uint64 `json:"totalBytes"`
	AvailableBytes uint64 `json:"availableBytes"`
}

// Filesystem is one real mount (pseudo and in-memory file systems left out).
type Filesystem struct {
	Mountpoint string `json:"mountpoint"`
	Device     string `json:"device"`
	FSType     string `json:"fstype"`
	SizeBytes  uint64 `json:"sizeBytes"`
	AvailBytes uint64 `json:"availBytes"`
	ReadOnly   bool   `json:"readOnly,omitempty"`
}

// NetDev is the traffic counted on one interface since boot.
type NetDev struct {
	Interface string `json:"interface"`
	RxBytes   uint64 `json:"rxBytes"`
	TxBytes   uint64 `json:"txBytes"`
}

// Collector is how one node_exporter collector fared.
type Collector struct {
	Name            string  `json:"name"`
	Success         bool    `json:"success"`
	DurationSeconds float64 `json:"durationSeconds"`
	// Skipped says why the agent did not run it at all.
	Skipped string `json:"skipped,omitempty"`
}
