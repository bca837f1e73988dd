package phase

import (
	"encoding/json"
	"testing"
	"time"
)

// The confirm deadline is the agent's confirmTimeout on this machine's
// clock: a host clock an hour behind or ahead (the firewall.applied
// events below, as hack/chaos's stepped agent sent them) must neither end
// the confirmation before it starts nor stretch it past the rollback.
func TestConfirmDeadlineIgnoresTheHostClock(t *testing.T) {
	now := time.Date(2026, 12, 2, 5, 45, 35, 0, time.UTC)
	for _, skew := range []time.Duration{-time.Hour, 0, time.Hour} {
		data := `{"id":"9bf96346","deadline":"` + now.Add(skew+5*time.Second).Format(time.RFC3339Nano) + `","confirmTimeout":"5s"}`
		var a applied
		if err := json.Unmarshal([]byte(data), &a); err != nil {
			t.Fatal(err)
		}
		if got := a.deadline(now); !got.Equal(now.Add(5 * time.Second)) {
			t.Errorf("host clock off by %s: deadline %s, want %s", skew, got, now.Add(5*time.Second))
		}
	}
	// An agent that does not say its timeout: its own deadline is all
	// there is.
	old := applied{ID: "x", Deadline: now.Add(time.Minute)}
	if got := old.deadline(now); !got.Equal(old.Deadline) {
		t.Errorf("without confirmTimeout: %s, want the host's %s", got, old.Deadline)
	}
}
