//go:build ck8schaos

package firewall

import (
	"os"
	"strings"
	"time"
)

// ClockStepFile is read only by a ck8schaos build of the agent (`make
// chaos`, never a release): hack/chaos writes a duration ("1h", "-1h")
// into it at a random moment of a run, and from then on the firewall's
// wall clock (its messages, results, and the wall half of a change's
// deadline) reads that much off, as after an NTP step. Lab hosts share the
// machine's kernel clock, so a real step would move the machine's too;
// this moves only what the agent's firewall sees. The boot clock
// (CLOCK_BOOTTIME) the deadline waits on is the kernel's, untouched: the
// campaign checks that a step does not move a rollback.
const ClockStepFile = "/var/lib/ck8s/chaos/clock-step"

func init() {
	wallNow = func() time.Time {
		b, err := os.ReadFile(ClockStepFile)
		if err != nil {
			return time.Now()
		}
		d, err := time.ParseDuration(strings.TrimSpace(string(b)))
		if err != nil {
			return time.Now()
		}
		return time.Now().Add(d)
	}
}
