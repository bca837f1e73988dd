package run

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// maxQueued bounds what waits for a stalled stdout; past it lines are
// dropped there (the journal still has every event).
const maxQueued = 16 << 20

// errStalled is a reader that stopped reading without closing.
var errStalled = errors.New("output stalled: queue full")

// lineWriter writes lines to w from its own goroutine, so that a stalled or
// broken stdout (the SSH connection gone) never blocks the run. After the
// first write error it drops everything: the journal keeps the events and
// the orchestrator rereads them from there.
type lineWriter struct {
	w    io.Writer
	mu   sync.Mutex
	cond *sync.Cond

	queue  [][]byte
	queued int
	closed bool
	err    error
	done   chan struct{}
}

func newLineWriter(w io.Writer) *lineWriter {
	l := &lineWriter{w: w, done: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	go l.loop()
	return l
}

// Write queues a copy of p and never fails: output is best effort.
func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed || l.err != nil:
	case l.queued+len(p) > maxQueued:
		l.err = errStalled
		l.queue, l.queued = nil, 0
	default:
		l.queue = append(l.queue, append([]byte(nil), p...))
		l.queued += len(p)
		l.cond.Signal()
	}
	return len(p), nil
}

func (l *lineWriter) loop() {
	defer close(l.done)
	for {
		l.mu.Lock()
		for len(l.queue) == 0 && !l.closed {
			l.cond.Wait()
		}
		if len(l.queue) == 0 {
			l.mu.Unlock()
			return
		}
		line := l.queue[0]
		l.queue = l.queue[1:]
		l.queued -= len(line)
		l.mu.Unlock()

		if _, err := l.w.Write(line); err != nil {
			l.mu.Lock()
			l.err = err
			l.queue, l.queued = nil, 0
			l.mu.Unlock()
			return
		}
	}
}

// Err returns why output stopped, if it did.
func (l *lineWriter) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Close waits up to timeout for the queue to drain. After that the writer
// goroutine is left blocked on a reader that does not read.
func (l *lineWriter) Close(timeout time.Duration) error {
	l.mu.Lock()
	l.closed = true
	l.cond.Signal()
	l.mu.Unlock()
	select {
	case <-l.done:
		return l.Err()
	case <-time.After(timeout):
		return fmt.Errorf("output not drained after %s", timeout)
	}
}
