package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAcceptedThenDuplicate(t *testing.T) {
	f := newFixture(t, nil)
	h := githubHeaders(pushBody, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "push")
	r := f.post(t, "gh", h, pushBody)
	if r.status != http.StatusAccepted || r.json["status"] != "accepted" || r.json["runId"] != "run-1" {
		t.Fatalf("first delivery: %d %v", r.status, r.json)
	}
	if loc := r.header.Get("Location"); loc != "/v1/runs/run-1" {
		t.Errorf("Location = %q", loc)
	}
	calls := f.enq.Calls()
	want := Delivery{Hook: "gh", ID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", Event: "push", Received: epoch,
		Payload: Payload{Ref: "refs/heads/main", Commit: "59b20b8d", Repository: "acme/infra", Sender: "octocat"}}
	if len(calls) != 1 || calls[0] != want {
		t.Fatalf("enqueued %+v, want %+v", calls, want)
	}
	line := f.checkOutcome(t, "gh", OutcomeAccepted)
	if line["delivery"] != want.ID || line["run"] != "run-1" {
		t.Errorf("log line %v lacks delivery or run", line)
	}

	f.clock.Add(72 * time.Hour) // GitHub's "Redeliver", days later
	r = f.post(t, "gh", h, pushBody)
	if r.status != http.StatusOK || r.json["status"] != "duplicate" || r.json["runId"] != "run-1" {
		t.Fatalf("redelivery: %d %v, want 200 duplicate of run-1", r.status, r.json)
	}
	if got := f.obs.Seen(); len(got) != 2 || got[1] != "gh/duplicate" {
		t.Errorf("observed %q", got)
	}
}

// Without X-Ck8s-Delivery the signature names the delivery: a replay in
// the window is a duplicate, a new timestamp a new delivery.
func TestGenericWithoutDeliveryID(t *testing.T) {
	f := newFixture(t, nil)
	body := []byte(`{"ref":"refs/tags/v1.2.0","commit":"abc123","repository":"acme/infra","sender":"jenkins"}`)
	h := genericHeaders(body, epoch.Add(-time.Minute), "")
	h.Set(HeaderEvent, "tag")
	first := f.post(t, "ci", h, body)
	replay := f.post(t, "ci", h, body)
	fresh := f.post(t, "ci", genericHeaders(body, epoch, ""), body)
	if first.status != 202 || replay.status != 200 || replay.json["runId"] != first.json["runId"] || fresh.status != 202 || fresh.json["runId"] == first.json["runId"] {
		t.Fatalf("first %d %v, replay %d %v, fresh %d %v", first.status, first.json, replay.status, replay.json, fresh.status, fresh.json)
	}
	d := f.enq.Calls()[0]
	if d.ID != "sig-"+strings.TrimPrefix(h.Get(HeaderSignature), "sha256=") || d.Event != "tag" || d.Payload.Sender != "jenkins" {
		t.Errorf("delivery %+v", d)
	}
	if logs := f.logs.String(); strings.Contains(logs, d.ID) || hexRun(logs) >= 32 {
		t.Errorf("log holds the signature: %s", logs)
	}
}

func TestGitHubPing(t *testing.T) {
	f := newFixture(t, nil)
	body := []byte(`{"zen":"Design for failure.","hook_id":12345678,"hook":{"type":"Repository","events":["push"]}}`)
	r := f.post(t, "gh", githubHeaders(body, "d-ping", "ping"), body)
	if r.status != http.StatusOK || r.json["status"] != "pong" {
		t.Fatalf("ping: %d %v", r.status, r.json)
	}
	if calls := f.enq.Calls(); len(calls) != 0 {
		t.Errorf("ping enqueued %+v", calls)
	}
	f.checkOutcome(t, "gh", OutcomePing)
}

// An unsigned ping is refused like anything else.
func TestGitHubPingNeedsSignature(t *testing.T) {
	f := newFixture(t, nil)
	h := githubHeaders(nil, "d-ping", "ping")
	h.Del(HeaderGitHubSignature)
	if r := f.post(t, "gh", h, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("unsigned ping: %d %v", r.status, r.json)
	}
}

func TestEnqueueFailure(t *testing.T) {
	f := newFixture(t, nil)
	f.enq.fail = errors.New("database is locked (SQLITE_BUSY)")
	r := f.post(t, "gh", githubHeaders(pushBody, "d-1", "push"), pushBody)
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.json["error"], "retry") {
		t.Fatalf("got %d %v, want 503 asking for a retry", r.status, r.json)
	}
	if strings.Contains(r.json["error"], "SQLITE") {
		t.Errorf("store detail in the response: %v", r.json)
	}
	if r.header.Get("Location") != "" {
		t.Errorf("Location on a failure: %q", r.header.Get("Location"))
	}
	line := f.checkOutcome(t, "gh", OutcomeError)
	if !strings.Contains(line["error"].(string), "SQLITE_BUSY") || line["level"] != "ERROR" {
		t.Errorf("log line %v, want the store error at ERROR", line)
	}
	f.enq.fail = nil // the sender's retry goes through
	if r := f.post(t, "gh", githubHeaders(pushBody, "d-1", "push"), pushBody); r.status != http.StatusAccepted {
		t.Fatalf("retry: %d %v", r.status, r.json)
	}
}

// After the burst: 429 with a Retry-After that is honest — waiting that
// long is enough, and refused requests did not use up the tokens.
func TestRateLimit(t *testing.T) {
	for _, c := range []struct {
		perMinute int
		retry     string
	}{{1, "60"}, {6, "10"}, {600, "1"}} {
		t.Run(strconv.Itoa(c.perMinute)+"/min", func(t *testing.T) {
			f := newFixture(t, func(h *Hook) { h.PerMinute, h.Burst = c.perMinute, 2 })
			send := func(id string) reply {
				return f.post(t, "gh", githubHeaders(pushBody, id, "push"), pushBody)
			}
			for i := range 2 {
				if r := send("burst-" + strconv.Itoa(i)); r.status != http.StatusAccepted {
					t.Fatalf("request %d in the burst: %d %v", i, r.status, r.json)
				}
			}
			for range 3 {
				r := send("over")
				if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != c.retry {
					t.Fatalf("over the burst: %d Retry-After %q %v, want 429 after %s", r.status, r.header.Get("Retry-After"), r.json, c.retry)
				}
			}
			if n := len(f.enq.Calls()); n != 2 {
				t.Errorf("%d enqueued, want 2", n)
			}
			secs, _ := strconv.Atoi(c.retry)
			f.clock.Add(time.Duration(secs) * time.Second)
			if r := send("after-wait"); r.status != http.StatusAccepted {
				t.Fatalf("after Retry-After: %d %v", r.status, r.json)
			}
			if got := f.obs.Seen(); got[2] != "gh/rate_limited" {
				t.Errorf("observed %q", got)
			}
		})
	}
}

func TestNewHandlerRefuses(t *testing.T) {
	ok := Hook{Name: "gh", Scheme: GitHub, Secret: []byte("s")}
	with := func(change func(*Hook)) []Hook { h := ok; change(&h); return []Hook{h} }
	cases := []struct {
		name  string
		hooks []Hook
		want  string
	}{
		{"duplicate", []Hook{ok, ok}, `webhook 1: field "name": "gh" is used twice`},
		{"empty secret", with(func(h *Hook) { h.Secret = nil }), `webhook 0 ("gh"): field "secret": empty`},
		{"unknown scheme", with(func(h *Hook) { h.Scheme = "gitlab" }), `field "scheme": unknown scheme "gitlab"`},
		{"no scheme", with(func(h *Hook) { h.Scheme = "" }), `field "scheme": unknown scheme ""`},
		{"no name", with(func(h *Hook) { h.Name = "" }), `field "name": "" is not`},
		{"slash in name", with(func(h *Hook) { h.Name = "a/b" }), `field "name": "a/b" is not`},
		{"negative limit", with(func(h *Hook) { h.MaxBody = -1 }), "must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewHandler(c.hooks, &recorder{}, nil, nil, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	if _, err := NewHandler([]Hook{ok}, nil, nil, nil, nil); err == nil {
		t.Error("nil Enqueuer accepted")
	}
}
