package scan

import (
	"context"
	"sync/atomic"
	"time"
)

// A pass is run by one of two engines with the same results: the native
// one (epoll event loops on Linux, the fast path) or the portable one (a
// bounded pool of goroutines dialing through Go's poller), which is the
// native engine where there is no epoll and is selectable in tests.

// pass probes items with at most r.conc connects in flight and returns how
// many answered.
func (r *run) pass(ctx context.Context, items []item, attempt int) (answered int64, err error) {
	if r.s.portable {
		return r.portablePass(ctx, items, attempt)
	}
	return r.nativePass(ctx, items, attempt)
}

// record stores a port's class; took > 0 is a round trip to learn from.
// ans counts the pass's answers.
func (r *run) record(it item, c Class, took time.Duration, attempt int, ans *atomic.Int64) {
	t := r.targets[it.target]
	if took > 0 && (c == Open || c == Closed) {
		t.est.observe(took)
	}
	t.class[it.port] = c
	if c != silent {
		ans.Add(1)
	}
	if c == Open {
		r.open.Add(1)
	}
	if attempt == 0 {
		r.done.Add(1)
	}
}
