package serve_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ck8s/ck8sctl/internal/pgtest"
)

// TestReplicasShareOnePostgres runs two serve replicas on one PostgreSQL.
// Deliveries sent to either replica, each replayed to the other one in
// one of ten cases, become exactly one run each, and a replay answers the
// first run's id from whichever replica; a run's events read the same
// from both replicas (they come from the database, not from the process
// that works the run); and when the database goes away, both /readyz turn
// 503 within seconds and come back with it.
func TestReplicasShareOnePostgres(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	cfg := writeConfig(t, offlinePlaybook, "ssh: {connectTimeout: 1s}\n")
	addrs := []string{freeAddr(t), freeAddr(t)}
	for _, a := range addrs {
		startServe(t, cfg.Path, dsn, a)
	}

	const n = 200
	type answer struct {
		code int
		run  string
	}
	first, replay := make([]answer, n), make([]answer, n)
	post := func(replica int, id string) answer {
		resp, err := http.DefaultClient.Do(signed(t, "http://"+addrs[replica]+"/v1/hooks/deploy", id, `{}`, hookSecret, time.Now()))
		if err != nil {
			t.Error(err)
			return answer{}
		}
		defer resp.Body.Close()
		var body struct{ RunID string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return answer{resp.StatusCode, body.RunID}
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprint("rep-", i)
			first[i] = post(i%2, id)
			if i%10 == 0 {
				replay[i] = post((i+1)%2, id) // the other replica
			}
		})
	}
	wg.Wait()
	runs := map[string]bool{}
	for i, a := range first {
		if a.code != http.StatusAccepted || a.run == "" || runs[a.run] {
			t.Fatalf("delivery %d: %d run %q (seen before: %t), want 202 and a new run", i, a.code, a.run, runs[a.run])
		}
		runs[a.run] = true
		if i%10 == 0 && (replay[i].code != http.StatusOK || replay[i].run != a.run) {
			t.Errorf("replay of delivery %d to the other replica: %d run %q, want 200 and run %s", i, replay[i].code, replay[i].run, a.run)
		}
	}
	// Retries of these unreachable sweeps are runs too (RUNID.2, ...):
	// first attempts are the deliveries' runs. A queued run's job is the
	// one whose args name it (its job_id is recorded when a worker takes
	// it).
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var firsts, jobs int
	if err := conn.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT j.id) FROM runs r
		LEFT JOIN river_job j ON j.args ->> 'runId' = r.id WHERE r.attempt = 1`).Scan(&firsts, &jobs); err != nil {
		t.Fatal(err)
	}
	if firsts != n || jobs != n {
		t.Errorf("%d first attempts with %d River jobs stored, want %d of each (one per distinct delivery)", firsts, jobs, n)
	}

	// One run's events, from both replicas, once its first attempt ended.
	var some string
	for id := range runs {
		some = id
		break
	}
	ca, cb := &client{t: t, base: "http://" + addrs[0]}, &client{t: t, base: "http://" + addrs[1]}
	ca.wait(some)
	// Once a worker took it, the run records its job.
	var jobID, named int64
	if err := conn.QueryRow(t.Context(), `SELECT coalesce(r.job_id, 0), j.id FROM runs r
		JOIN river_job j ON j.args ->> 'runId' = r.id WHERE r.id = $1`, some).Scan(&jobID, &named); err != nil || jobID != named {
		t.Errorf("run %s, worked, records job %d; its job is %d (%v)", some, jobID, named, err)
	}
	ea, eb := typesOf(ca.events(some)), typesOf(cb.events(some))
	if len(ea) == 0 || !slices.Equal(ea, eb) {
		t.Errorf("run %s's events differ between replicas:\n%v\n%v", some, ea, eb)
	}

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		readyWithin(t, a, http.StatusServiceUnavailable, 15*time.Second)
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		readyWithin(t, a, http.StatusOK, 45*time.Second)
	}
}

// readyWithin polls /readyz until it answers want.
func readyWithin(t *testing.T, addr string, want int, within time.Duration) {
	t.Helper()
	start := time.Now()
	last := 0
	for time.Since(start) < within {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			last = resp.StatusCode
			resp.Body.Close()
			if last == want {
				t.Logf("%s /readyz %d after %s", addr, want, time.Since(start).Round(100*time.Millisecond))
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("%s /readyz still %d after %s, want %d", addr, last, within, want)
}
