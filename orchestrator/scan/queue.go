package scan

import (
	"sync"
	"sync/atomic"
)

// passWork is one pass of one run on the shared engine: its items, taken
// by the engine's loops in turn with every other run's.
type passWork struct {
	r       *run
	items   []item
	attempt int
	next    int          // under queue.mu
	left    atomic.Int64 // items not finished (connect) or not sent (SYN)
	ans     atomic.Int64
	done    chan struct{} // closed when left reaches 0, or on failure
	err     error         // set before done is closed by a failure
	once    sync.Once
}

func newPassWork(r *run, items []item, attempt int) *passWork {
	pw := &passWork{r: r, items: items, attempt: attempt, done: make(chan struct{})}
	pw.left.Store(int64(len(items)))
	return pw
}

// finish counts n items finished.
func (pw *passWork) finish(n int64) {
	if pw.left.Add(-n) == 0 {
		pw.fail(nil)
	}
}

func (pw *passWork) fail(err error) {
	pw.once.Do(func() { pw.err = err; close(pw.done) })
}

// task is one item of one pass.
type task struct {
	pw *passWork
	it item
	// smp is set on a loss sample (the SYN engine's), which is no item
	// of the pass: pw is then only where it came from.
	smp *samples
}

// queue holds the passes with items left to start, served round robin so
// that a run submitted late is not stuck behind a long one, and counts
// the loops serving it.
type queue struct {
	mu      sync.Mutex
	work    []*passWork
	rr      int
	running int
}

func (q *queue) add(pw *passWork) {
	q.mu.Lock()
	q.work = append(q.work, pw)
	q.mu.Unlock()
}

// take appends up to n tasks to buf, a few from each pass in turn. With
// none left and leave set, the caller's loop is counted as stopped under
// the same lock, so a pass added meanwhile starts a new one.
func (q *queue) take(buf []task, n int, leave bool) (_ []task, left bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(buf) < n && len(q.work) > 0 {
		q.rr %= len(q.work)
		pw := q.work[q.rr]
		for k := 0; k < 16 && len(buf) < n && pw.next < len(pw.items); k++ {
			buf = append(buf, task{pw: pw, it: pw.items[pw.next]})
			pw.next++
		}
		if pw.next >= len(pw.items) {
			q.work = append(q.work[:q.rr], q.work[q.rr+1:]...)
		} else {
			q.rr++
		}
	}
	if len(buf) == 0 && leave {
		q.running--
		return buf, true
	}
	return buf, false
}

// drop removes pw (its run gave up); tasks already taken still finish.
func (q *queue) drop(pw *passWork) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, w := range q.work {
		if w == pw {
			q.work = append(q.work[:i], q.work[i+1:]...)
			return
		}
	}
}

// start counts a loop started if fewer than max run; the caller starts it.
func (q *queue) start(max int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running >= max || len(q.work) == 0 {
		return false
	}
	q.running++
	return true
}

func (q *queue) failAll(err error) {
	q.mu.Lock()
	work := q.work
	q.work = nil
	q.mu.Unlock()
	for _, pw := range work {
		pw.fail(err)
	}
}
