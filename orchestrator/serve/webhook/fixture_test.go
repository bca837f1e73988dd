package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

var (
	ghSecret  = []byte("gh-secret-Zq81")
	genSecret = []byte("generic-secret-Pk3x")
	epoch     = time.Unix(1700000000, 0)
)

// fixture is a real HTTP server on loopback in front of NewHandler.
type fixture struct {
	url   string
	enq   *recorder
	obs   *observer
	logs  *testenv.Buffer
	clock *clock
}

func newFixture(t *testing.T, tune func(*Hook)) *fixture {
	t.Helper()
	hooks := []Hook{
		{Name: "gh", Scheme: GitHub, Secret: ghSecret},
		{Name: "ci", Scheme: Generic, Secret: genSecret},
	}
	for i := range hooks {
		if tune != nil {
			tune(&hooks[i])
		}
	}
	f := &fixture{enq: &recorder{}, obs: &observer{}, logs: &testenv.Buffer{}, clock: &clock{t: epoch}}
	log := slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := NewHandler(hooks, f.enq, f.obs, log, f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(PathPrefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// reply is a response with its JSON body decoded.
type reply struct {
	status int
	header http.Header
	json   map[string]string
}

func (f *fixture) post(t *testing.T, hook string, hdr http.Header, body []byte) reply {
	t.Helper()
	return f.do(t, http.MethodPost, f.url+PathPrefix+hook, hdr, body)
}

func (f *fixture) do(t *testing.T, method, url string, hdr http.Header, body []byte) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = hdr.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readReply(t, resp)
}

func readReply(t *testing.T, resp *http.Response) reply {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	r := reply{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &r.json); err != nil {
		t.Fatalf("response body %q: %v", raw, err)
	}
	return r
}

// githubHeaders signs body as GitHub does.
func githubHeaders(body []byte, delivery, event string) http.Header {
	h := http.Header{}
	h.Set(HeaderGitHubSignature, SignGitHub(ghSecret, body))
	h.Set("Content-Type", "application/json")
	if delivery != "" {
		h.Set(HeaderGitHubDelivery, delivery)
	}
	if event != "" {
		h.Set(HeaderGitHubEvent, event)
	}
	return h
}

// genericHeaders signs body with the generic scheme at ts.
func genericHeaders(body []byte, ts time.Time, delivery string) http.Header {
	h := http.Header{}
	stamp := fmt.Sprint(ts.Unix())
	h.Set(HeaderTimestamp, stamp)
	h.Set(HeaderSignature, SignGeneric(genSecret, body, stamp))
	if delivery != "" {
		h.Set(HeaderDelivery, delivery)
	}
	return h
}
