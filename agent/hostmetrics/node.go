package hostmetrics

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/node_exporter/collector"
)

// Collectors are the node_exporter collectors the agent runs. Every other
// collector is compiled out by the tags in agent/buildtags.txt;
// TestBuildTagsCoverCollectors keeps the two lists in step.
var Collectors = []string{"cpu", "filesystem", "loadavg", "meminfo", "netdev"}

// node is node_exporter's collector set. That package keeps its flags and
// the collectors it made in package variables, so there can be one set,
// for one root, per process. The agent runs one plan per process, so this
// costs nothing there; tests use one root per test binary.
var node struct {
	once    sync.Once
	root    string
	nc      *collector.NodeCollector
	skipped map[string]string
	err     error
}

// nodeCollector returns the collector set for root, made on first use; the
// logger of that first use is the one node_exporter keeps.
func nodeCollector(root string, log *slog.Logger) (*collector.NodeCollector, map[string]string, error) {
	node.once.Do(func() {
		node.root = root
		node.nc, node.skipped, node.err = newNode(root, log)
	})
	if node.root != root {
		return nil, nil, fmt.Errorf("node_exporter is set up for root %s, not %s: one root per process", node.root, root)
	}
	return node.nc, node.skipped, node.err
}

func newNode(root string, log *slog.Logger) (*collector.NodeCollector, map[string]string, error) {
	enabled, skipped := usable(root)
	if _, err := kingpin.CommandLine.Parse(flags(root, enabled)); err != nil {
		return nil, skipped, fmt.Errorf("configuring node_exporter: %w", err)
	}
	collector.DisableDefaultCollectors()
	nc, err := collector.NewNodeCollector(log, enabled...)
	if err != nil {
		return nil, skipped, fmt.Errorf("starting node_exporter collectors: %w", err)
	}
	return nc, skipped, nil
}

// flags is the command line node_exporter would have been started with:
// node_exporter only reads its settings from kingpin.CommandLine.
func flags(root string, enabled []string) []string {
	args := []string{
		"--path.procfs=" + filepath.Join(root, "proc"),
		"--path.sysfs=" + filepath.Join(root, "sys"),
		"--path.rootfs=" + root,
		// /proc/net/dev, not netlink: the same numbers, and it honours the
		// root prefix.
		"--no-collector.netdev.netlink",
	}
	for _, c := range enabled {
		args = append(args, "--collector."+c)
	}
	return args
}

// usable splits Collectors into those that can run under root and those
// that cannot, with the reason. The cpu collector indexes the first CPU in
// sysfs without checking that there is one: a panic in its goroutine would
// kill the agent, so without CPUs in sysfs (some containers) it is skipped.
func usable(root string) ([]string, map[string]string) {
	skipped := map[string]string{}
	var enabled []string
	for _, c := range Collectors {
		if c == "cpu" {
			cpus, _ := filepath.Glob(filepath.Join(root, "sys/devices/system/cpu/cpu[0-9]*"))
			if len(cpus) == 0 {
				skipped[c] = "no CPUs under " + filepath.Join(root, "sys/devices/system/cpu")
				continue
			}
		}
		enabled = append(enabled, c)
	}
	return slices.Clip(enabled), skipped
}
