// Package hostmetrics is the agent step "metrics": a snapshot of the host's
// CPU, memory, load, file systems and network traffic, taken with
// node_exporter's own collectors (so the numbers mean what they mean in
// Prometheus) and reported as event metrics.collected with a facts.Metrics
// (internal/facts) as data.
package hostmetrics

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
)

// Step collects host metrics.
type Step struct{}

var _ step.Checker = Step{}

// New returns the metrics step.
func New() Step { return Step{} }

// Name implements step.Step.
func (Step) Name() string { return "metrics" }

// CheckSafe implements step.Checker: collectors only read.
func (Step) CheckSafe() bool { return true }

// Run implements step.Step. Collectors that fail are reported in the data
// and logged; the step fails only when none succeeds.
func (Step) Run(ctx context.Context, env *step.Env) error {
	m, err := Collect(env)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("collecting metrics: %w", err)
	}
	var failed []string
	for _, c := range m.Collectors {
		if !c.Success {
			failed = append(failed, c.Name)
		}
	}
	if len(failed) == len(m.Collectors) {
		return fmt.Errorf("collecting metrics: every collector failed: %s", strings.Join(failed, ", "))
	}
	msg := fmt.Sprintf("%d cpu(s), load %.2f, %s of %s memory available",
		m.CPUs, m.Load1, iec(m.Memory.AvailableBytes), iec(m.Memory.TotalBytes))
	if len(failed) > 0 {
		msg += "; collectors failed: " + strings.Join(failed, ", ")
		env.Log.Warn("collectors failed", "collectors", failed)
	}
	env.Emit(event.TypeMetricsCollected, event.StatusOK, msg, m)
	return nil
}

// Collect gathers the collectors under env's root and summarises them.
func Collect(env *step.Env) (facts.Metrics, error) {
	nc, skipped, err := nodeCollector(env.Root, quiet(env.Log.With("component", "node_exporter")))
	if err != nil {
		return facts.Metrics{}, err
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(nc); err != nil {
		return facts.Metrics{}, fmt.Errorf("registering node_exporter collectors: %w", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		// Gather returns what it could alongside the error: use it.
		env.Log.Warn("gathering metrics", "err", err)
	}
	m := Summarise(mfs)
	for name, why := range skipped {
		m.Collectors = append(m.Collectors, facts.Collector{Name: name, Skipped: why})
	}
	slices.SortFunc(m.Collectors, func(a, b facts.Collector) int { return strings.Compare(a.Name, b.Name) })
	if len(m.Collectors) == 0 {
		return m, errors.New("collecting metrics: no collector ran")
	}
	return m, nil
}

func iec(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
