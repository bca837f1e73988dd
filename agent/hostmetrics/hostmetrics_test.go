package hostmetrics

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/agent/step/steptest"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// fixture is the fake host every test in this package uses: node_exporter
// keeps one root per process (see node).
func fixture(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../testdata/host")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

type sink = steptest.Sink

func TestStepReportsFixtureHost(t *testing.T) {
	var logs bytes.Buffer
	s := &sink{}
	env := step.NewEnv(&plan.Plan{}, fixture(t), "metrics", slog.New(slog.NewJSONHandler(&logs, nil)), s)
	if err := New().Run(context.Background(), env); err != nil {
		t.Fatalf("Run: %v\nlogs:\n%s", err, logs.String())
	}
	if len(s.Events) != 1 || s.Events[0].Type != event.TypeMetricsCollected {
		t.Fatalf("events = %+v, want one %s", s.Events, event.TypeMetricsCollected)
	}
	var m facts.Metrics
	if err := json.Unmarshal(s.Events[0].Data, &m); err != nil {
		t.Fatal(err)
	}
	if m.CPUs != 2 || m.Load1 != 0.21 || m.Load5 != 0.37 || m.Load15 != 0.39 {
		t.Errorf("cpus/load = %d %v %v %v, want 2 0.21 0.37 0.39", m.CPUs, m.Load1, m.Load5, m.Load15)
	}
	if m.Memory.TotalBytes != 4030060*1024 || m.Memory.AvailableBytes != 2734404*1024 {
		t.Errorf("memory = %+v", m.Memory)
	}
	want := []facts.NetDev{{Interface: "eth0", RxBytes: 363514342, TxBytes: 2182081}, {Interface: "lo", RxBytes: 82555, TxBytes: 82555}}
	if len(m.Network) != 2 || m.Network[0] != want[0] || m.Network[1] != want[1] {
		t.Errorf("network = %+v, want %+v", m.Network, want)
	}
	var mounts []string
	for _, f := range m.Filesystems {
		mounts = append(mounts, f.Mountpoint)
		if f.SizeBytes == 0 {
			t.Errorf("filesystem %s: size 0", f.Mountpoint)
		}
	}
	if strings.Join(mounts, " ") != "/ /boot" {
		t.Errorf("filesystems = %v, want / and /boot only (no tmpfs, no pseudo fs)", mounts)
	}
	if len(m.Filesystems) == 2 && !m.Filesystems[1].ReadOnly {
		t.Errorf("/boot is mounted ro in the fixture, got %+v", m.Filesystems[1])
	}
	for _, c := range m.Collectors {
		if !c.Success {
			t.Errorf("collector %s failed\nlogs:\n%s", c.Name, logs.String())
		}
	}
	if len(m.Collectors) != len(Collectors) {
		t.Errorf("collectors = %+v, want %v", m.Collectors, Collectors)
	}
	if strings.Contains(logs.String(), "Parsed flag") {
		t.Errorf("node_exporter info chatter reached the log:\n%s", logs.String())
	}
}

func TestOneRootPerProcess(t *testing.T) {
	env := step.NewEnv(&plan.Plan{}, fixture(t), "metrics", slog.New(slog.DiscardHandler), &sink{})
	if _, err := Collect(env); err != nil {
		t.Fatal(err)
	}
	env.Root = t.TempDir()
	if _, err := Collect(env); err == nil || !strings.Contains(err.Error(), "one root per process") {
		t.Fatalf("Collect under a second root: err = %v, want a refusal", err)
	}
}

func TestUsableSkipsCPUWithoutSysfs(t *testing.T) {
	enabled, skipped := usable(t.TempDir())
	if _, ok := skipped["cpu"]; !ok || len(enabled) != len(Collectors)-1 {
		t.Fatalf("enabled %v, skipped %v: want cpu skipped (node_exporter would panic)", enabled, skipped)
	}
	enabled, skipped = usable(fixture(t))
	if len(skipped) != 0 || len(enabled) != len(Collectors) {
		t.Fatalf("fixture: enabled %v, skipped %v", enabled, skipped)
	}
}

func TestIEC(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 4030060 * 1024: "3.8 GiB"} {
		if got := iec(n); got != want {
			t.Errorf("iec(%d) = %q, want %q", n, got, want)
		}
	}
}
