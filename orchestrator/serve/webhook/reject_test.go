package webhook

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

var pushBody = []byte(`{"ref":"refs/heads/main","after":"59b20b8d","repository":{"full_name":"acme/infra"},"sender":{"login":"octocat"}}`)

// Every refusal: the status, the JSON error, the observed and logged
// outcome, nothing enqueued, no secret or signature in the log.
func TestRefusals(t *testing.T) {
	cases := []struct {
		name     string
		tune     func(*Hook)
		send     func(t *testing.T, f *fixture) reply
		status   int
		outcome  string
		hook     string // observed label
		errorHas string
	}{
		{"github wrong secret", nil, func(t *testing.T, f *fixture) reply {
			h := githubHeaders(pushBody, "d-1", "push")
			h.Set(HeaderGitHubSignature, SignGitHub([]byte("guess"), pushBody))
			return f.post(t, "gh", h, pushBody)
		}, 401, OutcomeUnauthorized, "gh", "signature does not match"},
		{"github body altered", nil, func(t *testing.T, f *fixture) reply {
			h := githubHeaders(pushBody, "d-1", "push")
			return f.post(t, "gh", h, append([]byte(" "), pushBody...))
		}, 401, OutcomeUnauthorized, "gh", "signature does not match"},
		{"github no signature", nil, func(t *testing.T, f *fixture) reply {
			h := githubHeaders(pushBody, "d-1", "push")
			h.Del(HeaderGitHubSignature)
			return f.post(t, "gh", h, pushBody)
		}, 401, OutcomeUnauthorized, "gh", "signature header missing"},
		{"github no delivery", nil, func(t *testing.T, f *fixture) reply {
			return f.post(t, "gh", githubHeaders(pushBody, "", "push"), pushBody)
		}, 400, OutcomeBadRequest, "gh", `header "X-GitHub-Delivery": delivery ID header missing`},
		{"delivery with a space", nil, func(t *testing.T, f *fixture) reply {
			return f.post(t, "gh", githubHeaders(pushBody, "a b", "push"), pushBody)
		}, 400, OutcomeBadRequest, "gh", "delivery ID: not 1-128 printable"},
		{"generic bad signature", nil, func(t *testing.T, f *fixture) reply {
			h := genericHeaders(pushBody, epoch, "d-1")
			h.Set(HeaderSignature, SignGeneric(ghSecret, pushBody, h.Get(HeaderTimestamp)))
			return f.post(t, "ci", h, pushBody)
		}, 401, OutcomeUnauthorized, "ci", "signature does not match"},
		{"generic stale", nil, func(t *testing.T, f *fixture) reply {
			return f.post(t, "ci", genericHeaders(pushBody, epoch.Add(-5*time.Minute-time.Second), "d-1"), pushBody)
		}, 401, OutcomeStale, "ci", "timestamp outside the replay window: 301s"},
		{"generic future", nil, func(t *testing.T, f *fixture) reply {
			return f.post(t, "ci", genericHeaders(pushBody, epoch.Add(6*time.Minute), "d-1"), pushBody)
		}, 401, OutcomeStale, "ci", "timestamp outside the replay window: -360s"},
		{"generic custom window", func(h *Hook) { h.Window = 30 * time.Second }, func(t *testing.T, f *fixture) reply {
			return f.post(t, "ci", genericHeaders(pushBody, epoch.Add(-31*time.Second), "d-1"), pushBody)
		}, 401, OutcomeStale, "ci", "window 30s"},
		{"generic garbled timestamp", nil, func(t *testing.T, f *fixture) reply {
			h := genericHeaders(pushBody, epoch, "d-1")
			h.Set(HeaderTimestamp, "2023-11-14T22:13:20Z")
			return f.post(t, "ci", h, pushBody)
		}, 401, OutcomeUnauthorized, "ci", "timestamp header missing or not unix seconds"},
		{"generic no timestamp", nil, func(t *testing.T, f *fixture) reply {
			h := genericHeaders(pushBody, epoch, "d-1")
			h.Del(HeaderTimestamp)
			return f.post(t, "ci", h, pushBody)
		}, 401, OutcomeUnauthorized, "ci", "timestamp header missing"},
		{"unknown hook", nil, func(t *testing.T, f *fixture) reply {
			return f.post(t, "nope", githubHeaders(pushBody, "d-1", "push"), pushBody)
		}, 404, OutcomeNotFound, "", "no such webhook"},
		{"sub-path", nil, func(t *testing.T, f *fixture) reply {
			return f.post(t, "gh/extra", githubHeaders(pushBody, "d-1", "push"), pushBody)
		}, 404, OutcomeNotFound, "", "no such webhook"},
		{"no name", nil, func(t *testing.T, f *fixture) reply {
			return f.post(t, "", githubHeaders(pushBody, "d-1", "push"), pushBody)
		}, 404, OutcomeNotFound, "", "no such webhook"},
		{"GET", nil, func(t *testing.T, f *fixture) reply {
			r := f.do(t, http.MethodGet, f.url+PathPrefix+"gh", githubHeaders(nil, "d-1", "push"), nil)
			if got := r.header.Get("Allow"); got != "POST" {
				t.Errorf("Allow = %q, want POST", got)
			}
			return r
		}, 405, OutcomeMethodNotAllowed, "gh", "method GET not allowed"},
		{"over the limit", func(h *Hook) { h.MaxBody = 64 }, func(t *testing.T, f *fixture) reply {
			body := []byte(`{"ref":"` + strings.Repeat("x", 100) + `"}`)
			return f.post(t, "gh", githubHeaders(body, "d-1", "push"), body)
		}, 413, OutcomeTooLarge, "gh", "Content-Length 110 over the limit of 64 bytes"},
		{"over the limit, chunked", func(h *Hook) { h.MaxBody = 64 }, func(t *testing.T, f *fixture) reply {
			return f.postChunked(t, "gh", strings.Repeat("x", 65))
		}, 413, OutcomeTooLarge, "gh", "body over the limit of 64 bytes"},
		{"Content-Length lie", func(h *Hook) { h.MaxBody = 64 }, func(t *testing.T, f *fixture) reply {
			return f.claimLength(t, "gh", 1<<30)
		}, 413, OutcomeTooLarge, "gh", "Content-Length 1073741824 over the limit"},
		{"ref not a string", nil, func(t *testing.T, f *fixture) reply {
			body := []byte(`{"ref":["main"]}`)
			return f.post(t, "gh", githubHeaders(body, "d-1", "push"), body)
		}, 400, OutcomeBadRequest, "gh", `payload field "ref": want a string`},
		{"not JSON", nil, func(t *testing.T, f *fixture) reply {
			body := []byte(`{"ref":"main",}`)
			return f.post(t, "ci", genericHeaders(body, epoch, "d-1"), body)
		}, 400, OutcomeBadRequest, "ci", "payload at offset 15"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.tune)
			r := c.send(t, f)
			if r.status != c.status || !strings.Contains(r.json["error"], c.errorHas) {
				t.Fatalf("got %d %q, want %d with error containing %q", r.status, r.json, c.status, c.errorHas)
			}
			if calls := f.enq.Calls(); len(calls) != 0 {
				t.Errorf("Enqueue called: %+v", calls)
			}
			f.checkOutcome(t, c.hook, c.outcome)
		})
	}
}

// checkOutcome asserts the one observed and logged outcome, and that the
// log holds no secret and no signature.
func (f *fixture) checkOutcome(t *testing.T, hook, outcome string) map[string]any {
	t.Helper()
	if got, want := f.obs.Seen(), []string{hook + "/" + outcome}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observed %q, want %q", got, want)
	}
	logs := f.logs.String()
	for _, secret := range [][]byte{ghSecret, genSecret} {
		if strings.Contains(logs, string(secret)) {
			t.Errorf("log holds a secret: %s", logs)
		}
	}
	if strings.Contains(logs, "sha256=") || hexRun(logs) >= 32 {
		t.Errorf("log holds a signature: %s", logs)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(logs), &line); err != nil {
		t.Fatalf("log %q: %v", logs, err)
	}
	if line["outcome"] != outcome || line["remote"] == "" || line["hook"] == nil {
		t.Errorf("log line %v, want outcome %s, a hook and a remote", line, outcome)
	}
	return line
}

// hexRun is the longest run of hex digits in s.
func hexRun(s string) int {
	longest, run := 0, 0
	for _, c := range s {
		if strings.ContainsRune("0123456789abcdef", c) {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

func (f *fixture) postChunked(t *testing.T, hook, body string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url+PathPrefix+hook, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // unknown: sent chunked, only MaxBytesReader stops it
	req.Header = githubHeaders([]byte(body), "d-1", "push")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readReply(t, resp)
}

// claimLength announces a huge body over a raw connection and sends none
// of it: the answer must come without the server waiting for the body.
func (f *fixture) claimLength(t *testing.T, hook string, n int64) reply {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n%s: %s\r\n%s: d-1\r\n\r\n{",
		PathPrefix, hook, n, HeaderGitHubSignature, SignGitHub(ghSecret, nil), HeaderGitHubDelivery)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response before the body: %v", err)
	}
	if !resp.Close {
		t.Error("connection kept open: the server would drain the refused body")
	}
	return readReply(t, resp)
}
