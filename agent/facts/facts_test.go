package facts

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/agent/step/steptest"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/internal/plan"
)

type sink = steptest.Sink

// fake returns the step with the kernel-only sources stubbed.
func fake() *Step {
	return &Step{
		Interfaces: func() ([]facts.Interface, error) {
			return []facts.Interface{{Name: "eth0", Up: true, IPv4: []netip.Prefix{netip.MustParsePrefix("198.18.0.11/24")}}}, nil
		},
		Uname: func() (facts.Kernel, string, error) {
			return facts.Kernel{}, "", errors.New("uname must not be used under a fake root")
		},
		IptablesVersion: func(context.Context, string) (string, error) { return "", errors.New("not expected") },
	}
}

func TestFixtureHost(t *testing.T) {
	root, _ := filepath.Abs("../testdata/host")
	s := &sink{}
	p := &plan.Plan{Labels: map[string]string{"role": "server"}}
	env := step.NewEnv(p, root, "facts", slog.New(slog.DiscardHandler), s)
	if err := fake().Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if len(s.Events) != 1 || s.Events[0].Type != event.TypeFactsCollected {
		t.Fatalf("events = %+v", s.Events)
	}
	var f facts.Facts
	if err := json.Unmarshal(s.Events[0].Data, &f); err != nil {
		t.Fatal(err)
	}
	want := facts.OS{ID: "debian", VersionID: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)"}
	if !equalOS(f.OS, want) || f.Hostname != "lab-1" || f.Kernel.Release != "6.1.0-18-amd64" || f.Kernel.Name != "Linux" {
		t.Errorf("os %+v host %q kernel %+v", f.OS, f.Hostname, f.Kernel)
	}
	if k := f.Kubernetes; !k.Present || k.Distribution != "k3s" || k.Kubeconfig != "/etc/rancher/k3s/k3s.yaml" {
		t.Errorf("kubernetes = %+v", k)
	}
	if f.Labels["role"] != "server" || len(f.Interfaces) != 1 || f.Interfaces[0].IPv4[0].String() != "198.18.0.11/24" {
		t.Errorf("labels %v interfaces %+v", f.Labels, f.Interfaces)
	}
	if len(f.Warnings) != 0 {
		t.Errorf("warnings: %v", f.Warnings)
	}
	if msg := s.Events[0].Message; msg != "lab-1: debian 12, kernel 6.1.0-18-amd64, "+f.Arch+", 1 interface(s), kubernetes (k3s)" {
		t.Errorf("message = %q", msg)
	}
}

func equalOS(a, b facts.OS) bool {
	return a.ID == b.ID && a.VersionID == b.VersionID && a.PrettyName == b.PrettyName && slices.Equal(a.IDLike, b.IDLike)
}

func TestEmptyRootGivesWarningsNotFailure(t *testing.T) {
	s := &sink{}
	env := step.NewEnv(&plan.Plan{}, t.TempDir(), "facts", slog.New(slog.DiscardHandler), s)
	if err := fake().Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	var f facts.Facts
	json.Unmarshal(s.Events[0].Data, &f)
	if len(f.Warnings) != 2 || !strings.Contains(f.Warnings[0], "os-release") {
		t.Errorf("warnings = %q, want os-release and kernel", f.Warnings)
	}
	if f.Kubernetes.Present || f.Firewall.Iptables != nil || f.Firewall.Nft != nil {
		t.Errorf("facts from nothing: %+v", f)
	}
}

func TestParseOSRelease(t *testing.T) {
	cases := []struct {
		in   string
		want facts.OS
	}{
		{"ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n", facts.OS{ID: "ubuntu", IDLike: []string{"debian"}, VersionID: "24.04"}},
		{"ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID='9.3'\n# comment\ngarbage\n", facts.OS{ID: "rocky", IDLike: []string{"rhel", "centos", "fedora"}, VersionID: "9.3"}},
		{"PRETTY_NAME=\"Say \\\"hi\\\"\"\n", facts.OS{ID: "linux", PrettyName: `Say "hi"`}},
	}
	for _, c := range cases {
		if got := parseOSRelease([]byte(c.in)); !equalOS(got, c.want) || got.PrettyName != c.want.PrettyName {
			t.Errorf("parseOSRelease(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestToInterface(t *testing.T) {
	ifc := net.Interface{Name: "eth0", Flags: net.FlagUp, HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 0, 1}}
	addrs := []net.Addr{
		&net.IPNet{IP: net.ParseIP("198.18.100.5"), Mask: net.CIDRMask(24, 32)},
		&net.IPNet{IP: net.ParseIP("198.18.100.6"), Mask: net.CIDRMask(120, 128)}, // v4 in v6 form
		&net.IPNet{IP: net.ParseIP("fd00::5"), Mask: net.CIDRMask(64, 128)},
		&net.IPAddr{IP: net.ParseIP("198.18.109.9")},
	}
	got := toInterface(ifc, addrs)
	if !got.Up || got.MAC != "02:00:00:00:00:01" || len(got.IPv4) != 2 || len(got.IPv6) != 1 {
		t.Fatalf("toInterface = %+v", got)
	}
	if got.IPv4[0].String() != "198.18.100.5/24" || got.IPv4[1].String() != "198.18.100.6/24" || got.IPv6[0].String() != "fd00::5/64" {
		t.Errorf("addresses = %v %v", got.IPv4, got.IPv6)
	}
}

func TestRealHostInterfaces(t *testing.T) {
	ifs, err := interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ifs, func(i facts.Interface) bool { return i.Loopback }) {
		t.Errorf("no loopback among %+v", ifs)
	}
}

func TestRealHost(t *testing.T) {
	s := &sink{}
	env := step.NewEnv(&plan.Plan{}, "/", "facts", slog.New(slog.DiscardHandler), s)
	if err := New().Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	var f facts.Facts
	json.Unmarshal(s.Events[0].Data, &f)
	if f.Kernel.Name != "Linux" || f.Kernel.Release == "" || f.Hostname == "" || f.Machine == "" {
		t.Errorf("real host facts: %+v", f)
	}
}
