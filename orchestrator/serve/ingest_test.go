package serve_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/testenv"

	_ "modernc.org/sqlite"
)

// TestDeliveriesBecomeRunsOnce sends 1,000 webhook deliveries at once
// through the real handler, store and River (10% replays of an earlier
// delivery id, 10% with a bad signature): exactly the distinct valid
// deliveries become runs, each with its River job committed with it; a
// replay answers the first run's id and queues nothing; no secret reaches
// the log.
func TestDeliveriesBecomeRunsOnce(t *testing.T) {
	var logs testenv.Buffer
	srv, dbPath := newServer(t, writeConfig(t, offlinePlaybook, ""), &logs)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	url := ts.URL + "/v1/hooks/deploy"

	const total = 1000
	type answer struct {
		code  int
		runID string
	}
	answers := make([]answer, total)
	ids := make([]string, total)
	for i := range ids {
		ids[i] = fmt.Sprintf("delivery-%04d", i)
		if i%10 == 1 && i > 10 {
			ids[i] = ids[i-10] // a replay
		}
	}
	now := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 20)
	for i := range total {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			secret := hookSecret
			if i%10 == 2 {
				secret = "not-the-secret"
			}
			resp, err := ts.Client().Do(signed(t, url, ids[i], `{"ref":"refs/heads/main"}`, secret, now))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var body struct{ RunID string }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			answers[i] = answer{resp.StatusCode, body.RunID}
		}()
	}
	wg.Wait()

	accepted := map[string]string{} // delivery → run
	var replays, bad int
	for i, a := range answers {
		switch {
		case i%10 == 2:
			if a.code != http.StatusUnauthorized {
				t.Errorf("delivery %d (bad signature): %d", i, a.code)
			}
			bad++
		case a.code == http.StatusAccepted:
			if _, dup := accepted[ids[i]]; dup {
				t.Errorf("delivery %s accepted twice", ids[i])
			}
			accepted[ids[i]] = a.runID
		case a.code == http.StatusOK:
			replays++
		default:
			t.Errorf("delivery %d: %d", i, a.code)
		}
	}
	for i, a := range answers {
		if a.code == http.StatusOK && accepted[ids[i]] != a.runID {
			t.Errorf("replay of %s answered run %q, the first run is %q", ids[i], a.runID, accepted[ids[i]])
		}
	}
	valid := map[string]bool{}
	for i, id := range ids {
		if i%10 != 2 {
			valid[id] = true
		}
	}
	if len(accepted) != len(valid) || bad != total/10 {
		errorLines(t, logs.String())
		t.Fatalf("%d accepted, %d distinct valid deliveries; %d bad", len(accepted), len(valid), bad)
	}
	srv.Close()
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var jobs, runs, joined int
	q := func(query string, dst *int) {
		if err := db.QueryRow(query).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT count(*) FROM river_job WHERE kind = 'ck8s_run'`, &jobs)
	q(`SELECT count(*) FROM runs WHERE status = 'queued' AND run_trigger = 'webhook:deploy'`, &runs)
	// A queued run's job is the one whose args name it: the worker
	// records the job's ID on the run when it takes it.
	q(`SELECT count(*) FROM runs r JOIN river_job j ON j.args ->> 'runId' = r.id
		JOIN webhook_deliveries d ON d.run_id = r.id`, &joined)
	if jobs != len(valid) || runs != len(valid) || joined != len(valid) {
		t.Errorf("%d jobs, %d queued runs, %d run+job+delivery; want %d of each", jobs, runs, joined, len(valid))
	}
	if strings.Contains(logs.String(), hookSecret) || !strings.Contains(logs.String(), "unauthorized") {
		t.Errorf("log: secret present %t, refusals logged %t", strings.Contains(logs.String(), hookSecret),
			strings.Contains(logs.String(), "unauthorized"))
	}
	t.Logf("%d accepted, %d replays answered duplicate, %d bad signatures refused", len(accepted), replays, bad)
}

// errorLines logs the first error lines of a captured log.
func errorLines(t *testing.T, log string) {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, `"level":"ERROR"`) && n < 5 {
			t.Log(l)
			n++
		}
	}
}
