package scan

import "math"

// lossEstimate judges from the first two passes how many answers may
// still be missing. If a probe (or its answer) is lost with probability
// p, the first pass gets a0 = n(1-p) of the n answering ports and the
// first retry a1 = np(1-p) of the np it missed, so p = a1/a0, and after
// k retries about n·p^(k+1) answers are still missing. Behind a firewall
// that drops, a1 is 0 and nothing is missing; on a lossy path the passes
// go on (up to Retries) until less than a hundredth of a port is. A
// prior rate (the SYNs' loss, for the connects confirming their open
// ports) stands in when it is higher than the one measured.
type lossEstimate struct {
	a0, a1 int64
	prior  float64
	// tolerance is how many missing answers (a fraction of a port) end
	// the retries; 0 means a hundredth.
	tolerance float64
}

func (l *lossEstimate) observe(attempt int, answered int64) {
	switch attempt {
	case 0:
		l.a0 = answered
	case 1:
		l.a1 = answered
	}
}

// rate is the loss measured, p.
func (l *lossEstimate) rate() float64 {
	if l.a0 == 0 || l.a1 == 0 {
		return 0
	}
	return min(float64(l.a1)/float64(l.a0), 0.9)
}

func (l *lossEstimate) missing(attempt int) bool {
	p := max(l.rate(), l.prior)
	if l.a0 == 0 || p == 0 {
		return false
	}
	n := float64(l.a0) / (1 - p)
	tol := l.tolerance
	if tol == 0 {
		tol = 0.01
	}
	return n*math.Pow(p, float64(attempt+1)) >= tol
}
