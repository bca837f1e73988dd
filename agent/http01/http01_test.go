package http01

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// chanSink hands each event to the test as the step emits it.
type chanSink chan event.Event

func (c chanSink) Emit(stepName, typ string, status event.Status, msg string, data any) {
	raw, _ := json.Marshal(data)
	c <- event.Event{Step: stepName, Type: typ, Status: status, Message: msg, Data: raw}
}

// freePort is a port free on both families at the time of asking.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp4", "0.0.0.0:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln6, err := net.Listen("tcp6", "[::]:"+strconv.Itoa(port))
		ln.Close()
		if err == nil {
			ln6.Close()
			return port
		}
	}
	t.Fatal("no port free on both families")
	return 0
}

func start(t *testing.T, p *plan.HTTP01Plan) (chanSink, chan error) {
	t.Helper()
	sink := make(chanSink, 10)
	pl := &plan.Plan{HTTP01: p}
	env := step.NewEnv(pl, "/", "http01", slog.New(slog.DiscardHandler), sink)
	done := make(chan error, 1)
	go func() { done <- New().Run(t.Context(), env) }()
	return sink, done
}

func next(t *testing.T, sink chanSink, typ string) event.Event {
	t.Helper()
	select {
	case e := <-sink:
		if e.Type != typ {
			t.Fatalf("event %s %q, want %s", e.Type, e.Message, typ)
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s event", typ)
	}
	return event.Event{}
}

// testSecret is a plan's stop secret in these tests.
const testSecret = "0123456789abcdefghijKLMNOP"

// stopReq sends the orchestrator's DELETE with secret ("" for none).
func stopReq(t *testing.T, addr, token, secret string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, "http://"+addr+plan.ChallengePath(token), nil)
	if secret != "" {
		req.Header.Set(plan.HTTP01StopHeader, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func get(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeUntilTold: a free port is served on both families until the
// DELETE, and only the challenge path answers the body.
func TestServeUntilTold(t *testing.T) {
	port := freePort(t)
	p := &plan.HTTP01Plan{Domain: "staging.lab.test", Token: "abcdefghijklmnopqrstuvwxyz", Body: "abcdefghijklmnopqrstuvwxyz.thumb", Window: plan.Duration(time.Minute), Port: port, StopSecret: testSecret}
	sink, done := start(t, p)
	e := next(t, sink, event.TypeHTTP01Serving)
	var st plan.HTTP01Status
	if err := json.Unmarshal(e.Data, &st); err != nil || st.Mode != plan.HTTP01Serving || st.Token != p.Token || len(st.Listen) != 2 {
		t.Fatalf("serving data %s (%v)", e.Data, err)
	}
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		base := "http://" + host + ":" + strconv.Itoa(port)
		if code, body := get(t, "GET", base+plan.ChallengePath(p.Token)); code != 200 || body != p.Body {
			t.Errorf("%s: %d %q, want the body", host, code, body)
		}
		if code, _ := get(t, "GET", base+"/.well-known/acme-challenge/other"); code != 404 {
			t.Errorf("%s: another token answered %d", host, code)
		}
	}
	if code := stopReq(t, "127.0.0.1:"+strconv.Itoa(port), p.Token, testSecret); code != http.StatusNoContent {
		t.Errorf("DELETE: %d", code)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var stop Stopped
	json.Unmarshal(next(t, sink, event.TypeHTTP01Stopped).Data, &stop)
	if stop.Reason != "told" || stop.Served != 2 {
		t.Errorf("stopped %+v, want told after 2 fetches", stop)
	}
	if _, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
		t.Error("still listening after the step")
	}
}

// TestServeWindow: without a DELETE the step ends at the window.
func TestServeWindow(t *testing.T) {
	p := &plan.HTTP01Plan{Domain: "d", Token: "abcdefghijklmnopqrstuvwxyz", Body: "b", Window: plan.Duration(300 * time.Millisecond), Port: freePort(t)}
	sink, done := start(t, p)
	next(t, sink, event.TypeHTTP01Serving)
	start := time.Now()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s past a 300ms window", d)
	}
	if e := next(t, sink, event.TypeHTTP01Stopped); !strings.Contains(e.Message, "(window)") {
		t.Errorf("stopped: %q", e.Message)
	}
}

// TestOccupied: a port held by another socket is reported with its owner
// (this test binary) and nothing is served.
func TestOccupied(t *testing.T) {
	port := freePort(t)
	ln, err := net.Listen("tcp6", "[::]:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := &plan.HTTP01Plan{Domain: "d", Token: "abcdefghijklmnopqrstuvwxyz", Body: "b", Window: plan.Duration(time.Minute), Port: port}
	sink, done := start(t, p)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e := next(t, sink, event.TypeHTTP01Occupied)
	var st plan.HTTP01Status
	json.Unmarshal(e.Data, &st)
	if st.Mode != plan.HTTP01Occupied || len(st.Owners) == 0 || st.Owners[0].Process == "" || len(st.Why) != 1 {
		t.Errorf("occupied data %s", e.Data)
	}
	t.Log(e.Message)
	if c, err := net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
		c.Close()
		t.Error("the free IPv4 side was left bound")
	}
}
