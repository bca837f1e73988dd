package web

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// testToken stands for the API token the lead's auth puts in a cookie
// for the page's EventSource.
const testToken = "test-token-not-a-secret"

// withTokenCookie sets the cookie as the lead's auth will on a page load.
func withTokenCookie(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "ck8s_token", Value: testToken, Path: "/",
			HttpOnly: true, SameSite: http.SameSiteStrictMode})
		next.ServeHTTP(w, r)
	})
}

type sseEvent struct {
	ID int64
	event.Event
}

type sseRequest struct{ after, lastEventID, cookie string }

// sseStandIn streams its events as the API's SSE handler will (id, the
// type as the event name, the event JSON as data), each after a delay,
// then "end". It asks for a 50ms retry, so a client that does not close
// at "end" comes back at once.
type sseStandIn struct {
	events []sseEvent
	mu     sync.Mutex
	reqs   []sseRequest
}

func (s *sseStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req := sseRequest{after: r.URL.Query().Get("after"), lastEventID: r.Header.Get("Last-Event-ID")}
	if c, err := r.Cookie("ck8s_token"); err == nil {
		req.cookie = c.Value
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	flush := func(format string, a ...any) {
		fmt.Fprintf(w, format, a...)
		w.(http.Flusher).Flush()
	}
	flush("retry: 50\n\n")
	for _, e := range s.events {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(150 * time.Millisecond):
		}
		data, err := event.Marshal(e.Event)
		if err != nil {
			panic(err)
		}
		flush("id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Type, bytes.TrimSpace(data))
	}
	flush("event: end\ndata: {}\n\n")
}

func (s *sseStandIn) requests() []sseRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sseRequest(nil), s.reqs...)
}
