package scan

import (
	"slices"
	"testing"
	"time"
)

// TestSampledRetries: with no sample lost, the retry is spared for the
// targets with the fewest answered ports while their answered ports
// times the rule-of-three bound stay under the tolerance in total; a
// target where nothing answered, one with many answers, and every target
// once a sample is lost or too few were sent keep their retry.
func TestSampledRetries(t *testing.T) {
	// answered and silent ports per target of a first pass
	type tgt struct{ answered, silent int }
	for _, c := range []struct {
		name           string
		sent, answered int64
		targets        []tgt
		want           []bool // retried
	}{
		{"drop, reset and down", 4096, 4096, []tgt{{3, 500}, {600, 4}, {0, 100}}, []bool{false, true, true}},
		{"a sample lost", 4096, 4095, []tgt{{3, 500}}, []bool{true}},
		{"too few samples", 512, 512, []tgt{{3, 500}}, []bool{true}},
		{"answers retransmitted", 1024, 1030, []tgt{{3, 500}}, []bool{false}},
		{"two drop hosts fit", 2048, 2048, []tgt{{3, 500}, {3, 500}}, []bool{false, false}},
		{"the third does not", 2048, 2048, []tgt{{3, 500}, {3, 500}, {3, 500}}, []bool{false, false, true}},
		{"no sample", 0, 0, []tgt{{3, 500}}, []bool{true}},
	} {
		r := &run{syn: &synRun{}}
		r.syn.smp.sent.Store(c.sent)
		r.syn.smp.answered.Store(c.answered)
		var quiet []item
		var answeredBy []int64
		for ti, tg := range c.targets {
			r.targets = append(r.targets, &target{})
			answeredBy = append(answeredBy, int64(tg.answered))
			for p := range tg.silent {
				quiet = append(quiet, item{int32(ti), uint16(10000 + p)})
			}
		}
		left, _, _ := r.sampled(quiet, answeredBy, 0)
		for ti, tg := range c.targets {
			n := 0
			for _, it := range left {
				if it.target == int32(ti) {
					n++
				}
			}
			if retried := n > 0; retried != c.want[ti] || retried && n != tg.silent {
				t.Errorf("%s: target %d keeps %d of its %d silent ports, want retried %v", c.name, ti, n, tg.silent, c.want[ti])
			}
		}
	}
}

// TestSamplesDue: one sample per sampleEvery first-pass SYNs, to the
// answered ports in turn, none before a port answered, and none to a
// port sampled less than sampleGap ago.
func TestSamplesDue(t *testing.T) {
	var s samples
	now := time.Second
	for range 3 * sampleEvery {
		if _, ok := s.due(now); ok {
			t.Fatal("a sample with no answered port to send it to")
		}
	}
	s.add(item{0, 80})
	s.add(item{1, 443})
	var got []item
	for range 4 * sampleEvery {
		now += sampleGap * 2 / 5
		if it, ok := s.due(now); ok {
			got = append(got, it)
		}
	}
	if want := []item{{0, 80}, {1, 443}, {0, 80}, {1, 443}}; !slices.Equal(got, want) {
		t.Errorf("samples %v, want %v", got, want)
	}
	// Time stands still: 443 was sampled at this moment, 80 is due once
	// more, and then neither gets another within sampleGap.
	got = nil
	for range 4 * sampleEvery {
		if it, ok := s.due(now); ok {
			got = append(got, it)
		}
	}
	if want := []item{{0, 80}}; !slices.Equal(got, want) {
		t.Errorf("samples %v with the clock stopped, want only %v", got, want)
	}
	for i := range samplePool + 10 {
		s.add(item{int32(i), 80})
	}
	if n := len(*s.pool.Load()); n != samplePool {
		t.Errorf("pool of %d ports, want at most %d", n, samplePool)
	}
}
