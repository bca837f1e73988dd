package phase

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

const (
	testDomain = "staging.lab.test"
	testToken  = "abcdefghijklmnopqrstuvwxyz"
	testBody   = testToken + ".thumbprint"
	testSecret = "stop-secret-not-the-token"
)

var loop4 = netip.MustParseAddr("127.0.0.1")

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, _ := net.SplitHostPort(addr)
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// servers starts an http server with h and a TLS server answering the
// body, as the host's 80 and 443, and returns a fetcher dialling them.
func servers(t *testing.T, h http.HandlerFunc, hits *atomic.Int32) *fetcher {
	t.Helper()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Host != testDomain {
			t.Errorf("Host header %q, want %s", r.Host, testDomain)
		}
		h(w, r)
	}))
	t.Cleanup(plain.Close)
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, testBody)
	}))
	t.Cleanup(tls.Close)
	ph := &HTTP01{Timeout: 2 * time.Second, HTTPPort: portOf(t, plain.Listener.Addr().String()), HTTPSPort: portOf(t, tls.Listener.Addr().String())}
	return ph.fetcher(testDomain + ".")
}

func redirect(to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) }
}

// TestFetch: each way a challenge URL can answer gets its verdict, and an
// off-domain or bad-port redirect is judged without being followed.
func TestFetch(t *testing.T) {
	path := plan.ChallengePath(testToken)
	for _, tc := range []struct {
		name   string
		h      http.HandlerFunc
		want   string // expected body; "" any HTTP answer
		reason string // "" ok
		hits   int32  // requests the host saw: a refused redirect is not followed
	}{
		{"body", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, testBody+"\n") }, testBody, "", 1},
		{"wrong body", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "default backend - 404") }, testBody, ReasonWrongBody, 1},
		{"404 in serving mode", http.NotFound, testBody, ReasonWrongBody, 1},
		{"404 with port 80 taken", http.NotFound, "", "", 1},
		{"redirect off-domain", redirect("http://other.example/"), "", ReasonOffDomain, 1},
		{"redirect to ftp", redirect("ftp://" + testDomain + "/"), "", ReasonOffDomain, 1},
		{"redirect to another port", redirect("http://" + testDomain + ":8080" + path), "", ReasonBadPort, 1},
		{"redirect to https on the domain", redirect("https://" + testDomain + path), testBody, "", 1},
		{"redirect on the domain", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == path {
				redirect("/elsewhere")(w, r)
				return
			}
			io.WriteString(w, testBody)
		}, testBody, "", 2},
		{"redirect loop", redirect(path), "", ReasonRedirects, 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			f := servers(t, tc.h, &hits)
			r := f.fetch(t.Context(), loop4, path, tc.want)
			if r.OK != (tc.reason == "") || r.Reason != tc.reason {
				t.Errorf("ok=%t reason %q (%s), want reason %q", r.OK, r.Reason, r.Detail, tc.reason)
			}
			if hits.Load() != tc.hits {
				t.Errorf("%d request(s) to the host, want %d", hits.Load(), tc.hits)
			}
			t.Logf("%+v", r)
		})
	}
}

// TestFetchRefusedTimeoutFenced: nothing listening, a listener that never
// answers, and an address outside the fence.
func TestFetchRefusedTimeoutFenced(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	silent := portOf(t, ln.Addr().String()) // accepts (backlog), never answers
	defer ln.Close()
	closed, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := portOf(t, closed.Addr().String())
	closed.Close()
	path := plan.ChallengePath(testToken)
	for _, tc := range []struct {
		port   int
		reason string
	}{{refused, ReasonRefused}, {silent, ReasonTimeout}} {
		f := (&HTTP01{Timeout: 300 * time.Millisecond, HTTPPort: tc.port}).fetcher(testDomain)
		if r := f.fetch(t.Context(), loop4, path, ""); r.OK || r.Reason != tc.reason {
			t.Errorf("port %d: %+v, want %s", tc.port, r, tc.reason)
		}
	}
	t.Setenv("CK8S_NETWORK_FENCE", "198.18.0.0/15")
	f := (&HTTP01{Timeout: time.Second, HTTPPort: silent}).fetcher(testDomain)
	if r := f.fetch(t.Context(), loop4, path, ""); r.OK || r.Reason != ReasonFenced {
		t.Errorf("outside the fence: %+v", r)
	}
}

// TestRehearseAndConclude: the serving agent's path is fetched through
// every address, told to stop, and the verdict is recorded after the
// agent's last event; a failure is a finding that blocks the issuer.
func TestRehearseAndConclude(t *testing.T) {
	var deleted atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			if r.Header.Get(plan.HTTP01StopHeader) != testSecret {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			deleted.Store(true)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		io.WriteString(w, testBody)
	}))
	defer srv.Close()
	loop6 := netip.MustParseAddr("::1")
	ph := &HTTP01{Timeout: time.Second, HTTPPort: portOf(t, srv.Listener.Addr().String()),
		Addrs: func(string) []netip.Addr { return []netip.Addr{loop4, loop6} }}
	tg := &Target{Name: "h1", Log: slog.New(slog.DiscardHandler), Result: &Result{LastSeq: 7},
		Plan: &plan.Plan{RunID: "r", HTTP01: &plan.HTTP01Plan{Domain: testDomain, Token: testToken, Body: testBody, Window: plan.Duration(time.Minute), StopSecret: testSecret}}}
	data, _ := json.Marshal(plan.HTTP01Status{Mode: plan.HTTP01Serving, Token: testToken})
	e := event.Event{Type: event.TypeHTTP01Serving, Data: data}
	if !ph.reacts(e) {
		t.Fatal("does not react to acme.http01.serving")
	}
	out := ph.rehearse(context.Background(), tg, e)
	var got []event.Event
	tg.Rec = NewRecorder(func(_ context.Context, evs ...event.Event) error { got = append(got, evs...); return nil }, nil, nil)
	if err := ph.conclude(context.Background(), tg, out); err != nil {
		t.Fatal(err)
	}
	// [::1] is not listening (httptest binds 127.0.0.1): refused, failed.
	if len(got) != 1 || got[0].Type != event.TypeHTTP01Failed || got[0].Seq != 8 || tg.Result.HTTP01Passed() || len(tg.Result.Findings) != 1 || tg.Result.Findings[0].Code != CodeHTTP01Failed {
		t.Fatalf("events %+v, result %+v", got, tg.Result.HTTP01)
	}
	if r := out.Results; r[0].OK != true || r[1].Reason != ReasonRefused || !out.Stopped || !deleted.Load() {
		t.Errorf("results %+v stopped %t", r, out.Stopped)
	}
	t.Log(got[0].Message)

	tg.Result = &Result{}
	ph.Addrs = func(string) []netip.Addr { return []netip.Addr{loop4} }
	got = nil
	if err := ph.conclude(context.Background(), tg, ph.rehearse(context.Background(), tg, e)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Type != event.TypeHTTP01Passed || !tg.Result.HTTP01Passed() || len(tg.Result.Findings) != 0 {
		t.Fatalf("events %+v, result %+v", got, tg.Result.HTTP01)
	}
	t.Log(got[0].Message)

	// The agent never got to the step: no rehearsal is a failed one.
	tg.Result, got = &Result{}, nil
	if err := ph.conclude(context.Background(), tg, nil); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Type != event.TypeHTTP01Failed || tg.Result.HTTP01Passed() || !strings.Contains(got[0].Message, "did not run") {
		t.Fatalf("events %+v", got)
	}
	// Check mode skips the step: nothing to judge, nothing recorded.
	tg.Result, got, tg.Plan.Check = &Result{}, nil, true
	if err := ph.conclude(context.Background(), tg, nil); err != nil || len(got) != 0 || tg.Result.HTTP01 != nil {
		t.Fatalf("check mode: %v %+v", err, got)
	}
}
