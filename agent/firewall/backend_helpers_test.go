package firewall

import (
	"context"
	"net/netip"
	"testing"
)

// Backend calls that fail the test instead of returning an error, for
// either backend.

func mustState(t *testing.T, b Backend) string {
	t.Helper()
	s, err := b.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustRender(t *testing.T, b Backend, p Profile) Batch {
	t.Helper()
	bt, err := b.Render(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return bt
}

func mustSnapshot(t *testing.T, b Backend) Batch {
	t.Helper()
	bt, err := b.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return bt
}

func mustApply(t *testing.T, b Backend, bt Batch) {
	t.Helper()
	if err := b.Apply(context.Background(), bt); err != nil {
		t.Fatal(err)
	}
}

// eachBackend runs fn as one subtest per backend of testBackends, each on
// a fresh host (state dir) driven by the agent binary at agent.
func eachBackend(t *testing.T, agent string, fn func(t *testing.T, h *host)) {
	for _, backend := range testBackends {
		t.Run(backend, func(t *testing.T) { fn(t, newHost(t, agent, backend)) })
	}
}

// defaultProfile is the playbook's default profile: SSH, HTTP and HTTPS,
// the k3s CNI interfaces and its pod and service networks (rule matches
// only; nothing is ever sent there).
func defaultProfile() Profile {
	return Profile{
		AllowTCP:          []int{22, 80, 443},
		SSHPorts:          []int{22},
		TrustedInterfaces: []string{"cni0", "flannel.1"},
		TrustedCIDRs:      []netip.Prefix{netip.MustParsePrefix("10.42.0.0/16"), netip.MustParsePrefix("10.43.0.0/16")}, // allowed: rule matches only
	}
}
