package host

import (
	"io"
	"sync"
)

// tailBuffer keeps the last max bytes written: enough stderr to explain a
// failure, bounded however chatty the command is.
type tailBuffer struct {
	max int
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// gatedWriters serialises a session's stdout and stderr (callers often pass
// one buffer for both) and drops output once closed, after Run returned.
type gatedWriters struct {
	mu     sync.Mutex
	closed bool
}

func (g *gatedWriters) writer(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return gatedWriter{g, w}
}

func (g *gatedWriters) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
}

type gatedWriter struct {
	g *gatedWriters
	w io.Writer
}

func (w gatedWriter) Write(p []byte) (int, error) {
	w.g.mu.Lock()
	defer w.g.mu.Unlock()
	if w.g.closed {
		return len(p), nil
	}
	return w.w.Write(p)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
