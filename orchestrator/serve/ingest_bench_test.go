package serve_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"syscall"
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
		io.Copy(io.Discard, resp.Body) // drained, so the connection is reused
		resp.Body.Close()
		i++
	}
}

// BenchmarkWebhookBurst sends 200 signed deliveries at once, as many
// times as the benchmark asks, and reports the 202 latency's p50 and p99
// (the target: p99 < 50 ms with SQLite) over connections kept
// alive, as behind a proxy; cold-p99-ms is the first burst's, each
// delivery on a new TCP connection, and newconn-p99-ms that of five warm
// bursts without keep-alive.
func BenchmarkWebhookBurst(b *testing.B) {
	srv, _ := newServer(b, writeConfig(b, offlinePlaybook, ""), io.Discard)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: burst, MaxIdleConnsPerHost: burst}}
	round := 0
	fire := func() []time.Duration { return burstOn(b, hc, ts.URL, &round) }
	cold := fire()
	var lat []time.Duration
	cpu := cpuTime(b)
	for b.Loop() {
		lat = append(lat, fire()...)
	}
	// CPU per delivery (server and client: one process) is the figure a
	// busy 2-core machine does not blur; the latencies are what it costs.
	b.ReportMetric(float64((cpuTime(b)-cpu).Microseconds())/float64(len(lat)), "cpu-µs/delivery")
	b.ReportMetric(percentile(lat, 50), "p50-ms")
	b.ReportMetric(percentile(lat, 99), "p99-ms")
	b.ReportMetric(percentile(cold, 99), "cold-p99-ms")
	// Senders that open a connection per delivery (GitHub's do, when no
	// proxy keeps connections to ck8sctl): five warm bursts.
	nc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var fresh []time.Duration
	for range 5 {
		fresh = append(fresh, burstOn(b, nc, ts.URL, &round)...)
	}
	b.ReportMetric(percentile(fresh, 99), "newconn-p99-ms")
}

// burstOn fires one burst of signed deliveries through hc and returns
// each one's time to its 202.
func burstOn(b *testing.B, hc *http.Client, url string, round *int) []time.Duration {
	out := make([]time.Duration, burst)
	// Signed before the burst: a real burst's senders are other
	// machines, whose work should not take this one's CPU meanwhile.
	reqs := make([]*http.Request, burst)
	for i := range reqs {
		reqs[i] = signed(b, url+"/v1/hooks/deploy", fmt.Sprintf("burst-%d-%d", *round, i), `{}`, hookSecret, time.Now())
	}
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			start := time.Now()
			resp, err := hc.Do(req)
			out[i] = time.Since(start)
			if err != nil || resp.StatusCode != http.StatusAccepted {
				b.Error(err, resp)
				return
			}
			io.Copy(io.Discard, resp.Body) // drained, so the connection is reused
			resp.Body.Close()
		})
	}
	wg.Wait()
	*round++
	return out
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// percentile is the p-th percentile of lat in milliseconds.
func percentile(lat []time.Duration, p int) float64 {
	lat = slices.Sorted(slices.Values(lat))
	return float64(lat[len(lat)*p/100].Microseconds()) / 1000
}

// burst is the concurrent deliveries of BenchmarkWebhookBurst.
const burst = 200
