package http01

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/plan"
)

const testToken = "abcdefghijklmnopqrstuvwxyz"

// serveLoopback runs h on a 127.0.0.1 listener (wrapped by wrap, if set)
// until the test ends.
func serveLoopback(t *testing.T, h *handler, wrap func(net.Listener) net.Listener) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if wrap != nil {
		ln = wrap(ln)
	}
	var conns sync.WaitGroup
	stopped := make(chan struct{})
	go func() { h.accept(ln, &conns); close(stopped) }()
	t.Cleanup(func() { ln.Close(); <-stopped; conns.Wait() })
	return addr
}

func newHandler() *handler {
	return &handler{path: plan.ChallengePath(testToken), body: "body", secret: testSecret, done: make(chan struct{})}
}

// TestStopNeedsTheSecret: whoever saw the token path (every fetch shows
// it) cannot end the rehearsal early; the plan's separate secret can.
func TestStopNeedsTheSecret(t *testing.T) {
	h := newHandler()
	addr := serveLoopback(t, h, nil)
	for _, secret := range []string{"", testToken, "0123456789abcdefghijKLMNOQ"} {
		if code := stopReq(t, addr, testToken, secret); code != http.StatusForbidden {
			t.Errorf("DELETE with secret %q: %d, want 403", secret, code)
		}
	}
	select {
	case <-h.done:
		t.Fatal("a DELETE without the secret ended the window")
	default:
	}
	if code := stopReq(t, addr, testToken, testSecret); code != http.StatusNoContent {
		t.Fatalf("DELETE with the secret: %d", code)
	}
	<-h.done
	if code := stopReq(t, addr, testToken, testSecret); code != http.StatusNoContent {
		t.Errorf("second DELETE: %d", code)
	}
	empty := &handler{path: h.path, body: "b", done: make(chan struct{})} // a plan without a secret
	if st, _ := empty.answer(http.MethodDelete, h.path, ""); st != http.StatusForbidden {
		t.Errorf("no secret in the plan: DELETE answered %d", st)
	}
}

// TestConnectionsAreBounded: past the limit, a connection waits in the
// backlog until one being served ends; it is then served.
func TestConnectionsAreBounded(t *testing.T) {
	h := newHandler()
	h.limit = 2
	addr := serveLoopback(t, h, nil)
	var idle []net.Conn
	for range h.limit {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	time.Sleep(100 * time.Millisecond) // both accepted and waiting for a request line
	c, err := net.Dial("tcp", addr)    // the kernel completes the handshake: backlog
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET "+h.path+" HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n > 0 || !isTimeout(err) {
		t.Fatalf("a connection past the limit was served: %d bytes, %v", n, err)
	}
	idle[0].Close()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil || len(b) == 0 || string(b[:12]) != "HTTP/1.1 200" {
		t.Fatalf("once a slot freed: %q, %v", b, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// flakyListener fails its first n accepts, as a listener out of file
// descriptors does.
type flakyListener struct {
	net.Listener
	n atomic.Int32
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.n.Add(-1) >= 0 {
		return nil, errors.New("accept: too many open files")
	}
	return l.Listener.Accept()
}

// TestAcceptErrorsAreRetried: failed accepts do not end the rehearsal:
// the challenge is still served and the errors are counted.
func TestAcceptErrorsAreRetried(t *testing.T) {
	h := newHandler()
	addr := serveLoopback(t, h, func(ln net.Listener) net.Listener {
		f := &flakyListener{Listener: ln}
		f.n.Store(3)
		return f
	})
	if code, body := get(t, "GET", "http://"+addr+h.path); code != 200 || body != "body" {
		t.Fatalf("after accept errors: %d %q", code, body)
	}
	if _, errs := h.count(); errs != 3 {
		t.Errorf("accept errors counted %d, want 3", errs)
	}
}
