package serve_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
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

// BenchmarkWebhookBurst sends 200 signed deliveries at once, as many
// times as the benchmark asks, and reports the 202 latency's p50 and p99
// (the target: p99 < 50 ms with SQLite).
func BenchmarkWebhookBurst(b *testing.B) {
	srv, _ := newServer(b, writeConfig(b, offlinePlaybook, ""), io.Discard)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: burst}
	hc := &http.Client{Transport: tr}
	var lat []time.Duration
	round := 0
	for b.Loop() {
		out := make([]time.Duration, burst)
		var wg sync.WaitGroup
		for i := range burst {
			wg.Go(func() {
				req := signed(b, ts.URL+"/v1/hooks/deploy", fmt.Sprintf("burst-%d-%d", round, i), `{}`, hookSecret, time.Now())
				start := time.Now()
				resp, err := hc.Do(req)
				out[i] = time.Since(start)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					b.Error(err, resp)
					return
				}
				resp.Body.Close()
			})
		}
		wg.Wait()
		lat = append(lat, out...)
		round++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// burst is the concurrent deliveries of BenchmarkWebhookBurst.
const burst = 200
