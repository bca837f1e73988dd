package serve_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestRiverUI: River's web UI is served under /riverui/ to a token (or
// the status page's cookie) and to nobody else. Its page and its API
// answer 401 without one, and a delete sent without one leaves the job in
// place; with the token the page is HTML and the job list JSON shows the
// heartbeat the daemon worked at start. The log holds no error and never
// the token.
func TestRiverUI(t *testing.T) {
	var logs testenv.Buffer
	srv, _ := newServer(t, writeConfig(t, offlinePlaybook, ""), &logs)
	base := running(t, srv)
	bearer := http.Header{"Authorization": {"Bearer " + apiToken}}

	for _, path := range []string{"/riverui/", "/riverui/jobs", "/riverui/api/jobs?state=available", "/riverui/api/queues"} {
		if code, _, _ := call(t, http.MethodGet, base+path, "", nil); code != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d, want 401", path, code)
		}
	}
	code, ctype, body := call(t, http.MethodGet, base+"/riverui/", "", bearer)
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, "<html") {
		t.Fatalf("GET /riverui/ with the token: %d %s\n%.300s", code, ctype, body)
	}
	cookie := http.Header{"Cookie": {"ck8s_token=" + apiToken}}
	if code, _, _ := call(t, http.MethodGet, base+"/riverui/", "", cookie); code != http.StatusOK {
		t.Errorf("GET /riverui/ with the status page's cookie: %d, want 200", code)
	}
	code, ctype, body = call(t, http.MethodGet, base+"/riverui/api/jobs?state=available", "", bearer)
	if code != http.StatusOK || !strings.HasPrefix(ctype, "application/json") || !json.Valid([]byte(body)) {
		t.Fatalf("GET /riverui/api/jobs?state=available with the token: %d %s\n%.300s", code, ctype, body)
	}

	id := heartbeatJob(t, base, bearer)
	ids := fmt.Sprintf(`{"ids":["%d"]}`, id)
	for _, op := range []string{"delete", "cancel", "retry"} {
		if code, _, _ := call(t, http.MethodPost, base+"/riverui/api/jobs/"+op, ids, nil); code != http.StatusUnauthorized {
			t.Errorf("POST /riverui/api/jobs/%s without a token: %d, want 401", op, code)
		}
	}
	if code, _, body := call(t, http.MethodGet, fmt.Sprintf("%s/riverui/api/jobs/%d", base, id), "", bearer); code != http.StatusOK {
		t.Errorf("job %d after a delete without a token: %d, want it still there\n%.300s", id, code, body)
	}
	if l := logs.String(); strings.Contains(l, apiToken) || strings.Contains(l, `"level":"ERROR"`) {
		errorLines(t, l)
		t.Errorf("the daemon's log holds the token or an error")
	}
}

// heartbeatJob waits for the heartbeat River works at start to show as
// completed in riverui's job list, and returns its id.
func heartbeatJob(t *testing.T, base string, auth http.Header) int64 {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _, body := call(t, http.MethodGet, base+"/riverui/api/jobs?state=completed", "", auth)
		var list struct {
			Data []struct {
				ID   int64  `json:"id"`
				Kind string `json:"kind"`
			} `json:"data"`
		}
		if code != http.StatusOK {
			t.Fatalf("GET /riverui/api/jobs?state=completed: %d\n%.300s", code, body)
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatalf("riverui's job list: %v\n%.300s", err, body)
		}
		for _, j := range list.Data {
			if j.Kind == "ck8s_heartbeat" {
				return j.ID
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no completed heartbeat in riverui's job list after 15s: %.300s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// call sends one request and returns its status, content type and body.
func call(t *testing.T, method, url, body string, hdr http.Header) (int, string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}
