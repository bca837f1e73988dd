package http01

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// connTimeout bounds one connection, request and answer.
const connTimeout = 5 * time.Second

// handler answers the challenge path and nothing else. A DELETE of the
// path is the orchestrator saying its fetches are done: only someone who
// knows the random token can end the window early, and only end it.
//
// It speaks just enough HTTP/1.1 for a validator (one request per
// connection, then close) instead of using http.Server: the server side
// of net/http, with its HTTP/2 bundle, would add about 0.8 MB to the agent.
type handler struct {
	path, body string
	done       chan struct{}

	mu     sync.Mutex
	served int
	closed bool
}

// accept serves ln until it is closed.
func (h *handler) accept(ln net.Listener, conns *sync.WaitGroup) error {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		conns.Go(func() { h.serveConn(c) })
	}
}

func (h *handler) serveConn(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(connTimeout))
	method, path, err := readRequest(bufio.NewReader(io.LimitReader(c, 16<<10)))
	if err != nil {
		reply(c, http.StatusBadRequest, "")
		return
	}
	status, body := h.answer(method, path)
	if method == http.MethodHead {
		body = ""
	}
	reply(c, status, body)
}

// readRequest reads the request line and skips the headers; a validator's
// GET has no body worth reading.
func readRequest(r *bufio.Reader) (method, path string, err error) {
	tp := textproto.NewReader(r)
	line, err := tp.ReadLine()
	if err != nil {
		return "", "", err
	}
	f := strings.Fields(line)
	if len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/1.") {
		return "", "", fmt.Errorf("bad request line %.40q", line)
	}
	if _, err := tp.ReadMIMEHeader(); err != nil {
		return "", "", err
	}
	path, _, _ = strings.Cut(f[1], "?")
	return f[0], path, nil
}

// answer decides the reply to one request.
func (h *handler) answer(method, path string) (int, string) {
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

func (h *handler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.served
}
