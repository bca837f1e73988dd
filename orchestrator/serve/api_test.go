package serve_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAPIRefusals: what the API does not serve under /v1/ is refused by
// the API in JSON (405 with Allow, or 404), never by the status page.
func TestAPIRefusals(t *testing.T) {
	srv, _ := newServer(t, writeConfig(t, offlinePlaybook, ""), io.Discard)
	base := running(t, srv)
	bearer := http.Header{"Authorization": {"Bearer " + apiToken}}
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{http.MethodDelete, "/v1/hosts", http.StatusMethodNotAllowed},
		{http.MethodPut, "/v1/runs/some-run", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v1/nothing-here", http.StatusNotFound},
	} {
		code, ctype, body := call(t, tc.method, base+tc.path, "", bearer)
		if code != tc.code || !strings.HasPrefix(ctype, "application/json") || !strings.Contains(body, `"error"`) {
			t.Errorf("%s %s: %d %s %s, want %d JSON", tc.method, tc.path, code, ctype, body, tc.code)
		}
	}
	if code, _, _ := call(t, http.MethodDelete, base+"/v1/hosts", "", nil); code != http.StatusUnauthorized {
		t.Errorf("DELETE /v1/hosts without a token: %d, want 401", code)
	}
}
