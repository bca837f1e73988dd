package http01

import (
	"bufio"
	"cmp"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/ck8s/ck8sctl/internal/plan"
)

// connTimeout bounds one connection, request and answer.
const connTimeout = 5 * time.Second

// maxConns bounds the connections served at once, per listener: the
// agent runs as root on a public port, and a validator makes a handful.
// Past it, connections wait in the kernel's backlog.
const maxConns = 64

// Accept errors (EMFILE, ECONNABORTED...) are retried after a backoff
// growing to maxAcceptBackoff, as net/http does: one must not end the
// rehearsal, whose window bounds it anyway.
const (
	minAcceptBackoff = 5 * time.Millisecond
	maxAcceptBackoff = time.Second
)

// handler answers the challenge path and nothing else. A DELETE of the
// path with the plan's stop secret is the orchestrator saying its fetches
// are done. The token is no secret (every fetch shows it), so the DELETE
// must carry the separate random secret, and can only end the window.
//
// It speaks just enough HTTP/1.1 for a validator (one request per
// connection, then close) instead of using http.Server: the server side
// of net/http, with its HTTP/2 bundle, would add about 0.8 MB to the agent.
type handler struct {
	path, body string
	secret     string // HTTP01Plan.StopSecret; empty: no early end
	done       chan struct{}
	limit      int // connections at once per listener; maxConns if 0

	mu           sync.Mutex
	served       int
	closed       bool
	acceptErrors int
}

// accept serves ln until it is closed, at most limit connections at once.
func (h *handler) accept(ln net.Listener, conns *sync.WaitGroup) {
	sem := make(chan struct{}, cmp.Or(h.limit, maxConns))
	backoff := time.Duration(0)
	for {
		sem <- struct{}{}
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			<-sem
			backoff = min(max(2*backoff, minAcceptBackoff), maxAcceptBackoff)
			h.mu.Lock()
			h.acceptErrors++
			h.mu.Unlock()
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		conns.Go(func() {
			defer func() { <-sem }()
			h.serveConn(c)
		})
	}
}

func (h *handler) serveConn(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(connTimeout))
	method, path, hdr, err := readRequest(bufio.NewReader(io.LimitReader(c, 16<<10)))
	if err != nil {
		reply(c, http.StatusBadRequest, "")
		return
	}
	status, body := h.answer(method, path, hdr.Get(plan.HTTP01StopHeader))
	if method == http.MethodHead {
		body = ""
	}
	reply(c, status, body)
}

// readRequest reads the request line and the headers; a validator's GET
// has no body worth reading.
func readRequest(r *bufio.Reader) (method, path string, hdr textproto.MIMEHeader, err error) {
	tp := textproto.NewReader(r)
	line, err := tp.ReadLine()
	if err != nil {
		return "", "", nil, err
	}
	f := strings.Fields(line)
	if len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/1.") {
		return "", "", nil, fmt.Errorf("bad request line %.40q", line)
	}
	if hdr, err = tp.ReadMIMEHeader(); err != nil {
		return "", "", nil, err
	}
	path, _, _ = strings.Cut(f[1], "?")
	return f[0], path, hdr, nil
}

// answer decides the reply to one request.
func (h *handler) answer(method, path, stop string) (int, string) {
	if path != h.path {
		return http.StatusNotFound, "not found\n"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch method {
	case http.MethodGet, http.MethodHead:
		h.served++
		return http.StatusOK, h.body
	case http.MethodDelete:
		if h.secret == "" || subtle.ConstantTimeCompare([]byte(stop), []byte(h.secret)) != 1 {
			return http.StatusForbidden, ""
		}
		if !h.closed {
			h.closed = true
			close(h.done)
		}
		return http.StatusNoContent, ""
	}
	return http.StatusMethodNotAllowed, ""
}

func reply(w io.Writer, status int, body string) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nServer: ck8s-agent\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}

func (h *handler) count() (served, acceptErrors int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.served, h.acceptErrors
}
