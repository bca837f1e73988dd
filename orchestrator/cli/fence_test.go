package cli

import (
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// Under CK8S_NETWORK_FENCE (set by the Makefile for tests, demos and
// benchmarks) a target outside the lab and loopback is refused before a
// packet is sent: exit 2, naming the fence. The fence is set here, so the
// test never depends on the caller's environment for its safety.
func TestNetworkFenceRefusesOutsideTargets(t *testing.T) {
	t.Setenv(fence.Env, "127.0.0.0/8,::1,198.18.0.0/15,2001:db8::/32")
	cases := [][]string{
		{"scan", "--ports", "53", "8.8.8.8"},
		{"scan", "--ports", "22", "198.18.0.250", "10.0.0.1"},
		{"dns-check", "staging.example.com", "--expect", "198.18.0.11", "--nameserver", "1.2.3.4"},
	}
	for _, args := range cases {
		r := ck8sctl(t, args...)
		if r.code == ExitOK || r.code == ExitUnreachable || !strings.Contains(r.stdout+r.stderr, fence.Env) {
			t.Errorf("%v: exit %d, want a refusal naming %s\n%s%s", args, r.code, fence.Env, r.stdout, r.stderr)
		}
	}
}
