package scan

import "testing"

// TestLossTolerance: with 30% loss and seven of a handful of open ports
// answered, the default tolerance (a hundredth of a port) stops the
// confirming connects after the sixth try, the confirm's (a
// ten-thousandth) goes on to the tenth: at most 0.3^10 of a port missed.
func TestLossTolerance(t *testing.T) {
	last := func(l lossEstimate) int {
		l.observe(0, 7)
		l.observe(1, 0)
		k := 1
		for l.missing(k) {
			k++
		}
		return k
	}
	if got := last(lossEstimate{prior: 0.3}); got != 5 {
		t.Errorf("default tolerance: last retry %d, want 5", got)
	}
	if got := last(lossEstimate{prior: 0.3, tolerance: 1e-4}); got != 9 {
		t.Errorf("confirm tolerance: last retry %d, want 9", got)
	}
	if (&lossEstimate{}).missing(1) {
		t.Error("no answers at all (a firewall that drops): answers reported missing")
	}
}
