package cli

import (
	"strings"
	"testing"
)

func TestFirewallConfirmUsage(t *testing.T) {
	for _, args := range [][]string{
		{"firewall-confirm"},
		{"firewall-confirm", "--id", "../etc"},
		{"firewall-watchdog", "--id", "x"},
	} {
		code, _, errOut := agent("", args...)
		if code != ExitUsage || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want %d and a message", args, code, errOut, ExitUsage)
		}
	}
	code, _, errOut := agent("", "firewall-confirm", "--state-dir", t.TempDir(), "--id", strings.Repeat("ab", 16))
	if code != ExitFailed || !strings.Contains(errOut, "unknown change") {
		t.Errorf("unknown change: exit %d, stderr %q", code, errOut)
	}
	if _, _, errOut := agent("", "frobnicate"); strings.Contains(errOut, "firewall-watchdog") {
		t.Errorf("the step's own helpers are in the usage text:\n%s", errOut)
	}
}
