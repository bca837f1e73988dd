package serve_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkWebhookAccept is one signed delivery through the real handler,
// store transaction and River insert, to its 202 (sequential: the single
// SQLite writer serialises them anyway).
func BenchmarkWebhookAccept(b *testing.B) {
	srv, _ := newServer(b, writeConfig(b, offlinePlaybook, ""), io.Discard)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	i := 0
	for b.Loop() {
		resp, err := ts.Client().Do(signed(b, ts.URL+"/v1/hooks/deploy", fmt.Sprint("bench-", i), `{}`, hookSecret, time.Now()))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			b.Fatal(err, resp.StatusCode)
		}
		resp.Body.Close()
		i++
	}
}
