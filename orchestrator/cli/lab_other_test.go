//go:build !linux

package cli

import (
	"strings"
	"testing"
)

// TestLabNeedsLinux: off Linux every lab command fails with exit 2 and
// says why, before touching anything.
func TestLabNeedsLinux(t *testing.T) {
	for _, args := range [][]string{{"lab", "up", "--hosts", "3"}, {"lab", "status"}, {"lab", "down"}, {"lab"}} {
		r := ck8sctl(t, args...)
		if r.code != ExitBadInput || !strings.Contains(r.stderr, "lab needs Linux (network namespaces)") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
