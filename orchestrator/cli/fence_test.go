package cli

import (
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// Under CK8S_NETWORK_FENCE (set by the Makefile for tests, demos and
// benchmarks) a target outside the fence is refused before a packet is
// sent: exit 2, naming the fence. The test narrows the fence to loopback
// and aims at unused lab-range addresses, so even a broken fence would send
// nothing beyond what the network rule allows.
func TestNetworkFenceRefusesOutsideTargets(t *testing.T) {
	t.Setenv(fence.Env, "127.0.0.0/8,::1")
	cases := [][]string{
		{"scan", "--ports", "53", "198.18.254.250"},
		{"scan", "--ports", "22", "127.0.0.1", "2001:db8:fe::250"},
		{"dns-check", "staging.example.com", "--expect", "198.18.0.11", "--nameserver", "198.18.254.53"},
		{"tls-check", "staging.example.com", "--addr", "198.18.254.250:443"},
	}
	for _, args := range cases {
		r := ck8sctl(t, args...)
		if r.code == ExitOK || r.code == ExitUnreachable || !strings.Contains(r.stdout+r.stderr, fence.Env) {
			t.Errorf("%v: exit %d, want a refusal naming %s\n%s%s", args, r.code, fence.Env, r.stdout, r.stderr)
		}
	}
}
