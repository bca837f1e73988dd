package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ck8s/ck8sctl/internal/pgtest"
	"github.com/ck8s/ck8sctl/orchestrator/serve/webhook"
)

var (
	replicasN          = flag.Int("replicas-count", 3, "serve replicas of the replicas section")
	replicasDeliveries = flag.Int("replicas-deliveries", 10000, "webhook deliveries of the replicas section, 10% of them replays")
	replicasOver       = flag.Duration("replicas-over", time.Minute, "the time the deliveries are spread over")
)

// replicasBench starts a throw-away PostgreSQL and N `ck8sctl serve`
// replicas on it, sends the deliveries open-loop (each at its own time,
// whatever the answers before it), each to a random replica and one in
// ten again to another replica, then counts in the database: every
// delivery that was answered 202 has exactly one run and one job, every
// replay answered the first run's id.
func replicasBench(self string) error {
	cluster, stop, err := pgtest.StartMain()
	if err != nil {
		return err
	}
	defer stop()
	ctx := context.Background()
	if err := cluster.CreateDatabase(ctx, "bench"); err != nil {
		return err
	}
	dsn := cluster.DSN("bench")
	dir, err := os.MkdirTemp("", "ck8s-bench-replicas-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, err := replicaConfig(dir)
	if err != nil {
		return err
	}
	var addrs []string
	for i := range *replicasN {
		addr, cmd, err := startReplica(self, cfg, dsn, filepath.Join(dir, fmt.Sprintf("serve-%d.log", i)))
		if err != nil {
			return err
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		addrs = append(addrs, addr)
	}
	fmt.Printf("%d replicas on one PostgreSQL; %d deliveries over %s, 10%% replays to another replica\n",
		len(addrs), *replicasDeliveries, *replicasOver)
	res := sendDeliveries(addrs)
	return reportReplicas(ctx, dsn, res)
}

// delivery is one request's outcome.
type delivery struct {
	id     string
	replay bool
	code   int
	run    string
	took   time.Duration
}

func sendDeliveries(addrs []string) []delivery {
	n := *replicasDeliveries
	out := make([]delivery, n)
	secret := []byte(replicaHookSecret)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 1024}, Timeout: 30 * time.Second}
	gap := *replicasOver / time.Duration(n)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		at := start.Add(time.Duration(i) * gap)
		time.Sleep(time.Until(at))
		d := delivery{id: fmt.Sprint("bench-", i)}
		target := rand.IntN(len(addrs))
		if i%10 == 9 {
			// A replay of an earlier first delivery, to another replica.
			d = delivery{id: fmt.Sprint("bench-", rand.IntN(i/10+1)*10+rand.IntN(9)), replay: true}
			target = (target + 1) % len(addrs)
		}
		wg.Go(func() {
			body := []byte(`{}`)
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			req, _ := http.NewRequest(http.MethodPost, "http://"+addrs[target]+"/v1/hooks/load", bytes.NewReader(body))
			req.Header.Set(webhook.HeaderTimestamp, ts)
			req.Header.Set(webhook.HeaderSignature, webhook.SignGeneric(secret, body, ts))
			req.Header.Set(webhook.HeaderDelivery, d.id)
			t0 := time.Now()
			resp, err := hc.Do(req)
			d.took = time.Since(t0)
			if err == nil {
				var b struct{ RunID string }
				_ = json.NewDecoder(resp.Body).Decode(&b)
				resp.Body.Close()
				d.code, d.run = resp.StatusCode, b.RunID
			}
			out[i] = d
		})
	}
	wg.Wait()
	fmt.Printf("sent in %s\n", time.Since(start).Round(time.Millisecond))
	return out
}

func reportReplicas(ctx context.Context, dsn string, res []delivery) error {
	// A delivery's run is the one its 202 named, whichever request (the
	// first or a replay that overtook it) got the 202; every other answer
	// for that id must be 200 with the same run.
	first := map[string]string{}
	var lat []time.Duration
	failed, doubled := 0, 0
	for _, d := range res {
		switch {
		case d.code != http.StatusAccepted && d.code != http.StatusOK:
			failed++
			continue
		case d.code == http.StatusAccepted && first[d.id] != "":
			doubled++ // two 202s for one delivery
		case d.code == http.StatusAccepted:
			first[d.id] = d.run
		}
		lat = append(lat, d.took)
	}
	wrongReplay := 0
	for _, d := range res {
		if d.code == http.StatusOK && d.run != first[d.id] {
			wrongReplay++
		}
	}
	wrongReplay += doubled
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var deliveries, runs, jobs int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM webhook_deliveries),
		(SELECT count(*) FROM runs WHERE attempt = 1), (SELECT count(DISTINCT j.id) FROM runs r JOIN river_job j ON j.args ->> 'runId' = r.id WHERE r.attempt = 1)`).
		Scan(&deliveries, &runs, &jobs); err != nil {
		return err
	}
	lost := 0
	for _, run := range first {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM runs WHERE id = $1`, run).Scan(&n); err != nil || n != 1 {
			lost++
		}
	}
	slices.Sort(lat)
	pct := func(p int) time.Duration { return lat[min(len(lat)-1, len(lat)*p/100)].Round(100 * time.Microsecond) }
	fmt.Printf("answered: %d of %d (errors or timeouts: %d); replays answered with another run: %d\n", len(lat), len(res), failed, wrongReplay)
	fmt.Printf("distinct deliveries acknowledged: %d; stored: %d deliveries, %d runs, %d River jobs; acknowledged but lost: %d\n",
		len(first), deliveries, runs, jobs, lost)
	fmt.Printf("time to answer: p50 %s, p99 %s, max %s\n", pct(50), pct(99), lat[len(lat)-1].Round(100*time.Microsecond))
	if lost > 0 || wrongReplay > 0 || runs != deliveries || jobs != runs {
		return fmt.Errorf("deliveries lost or doubled: see above")
	}
	return nil
}

const replicaHookSecret = "bench-replicas-hook-secret"

// replicaConfig writes serve.yaml for the section: one generic hook whose
// runs sweep two hosts no route leads to (they end at once, unreachable).
func replicaConfig(dir string) (string, error) {
	files := map[string]string{
		"pb.yaml": "domain: staging.lab.test\nhosts:\n  - {name: web-1, address: 198.18.251.10}\n  - {name: web-2, address: 198.18.251.11}\n",
		"hook":    replicaHookSecret,
		"token":   "bench-replicas-api-token",
		"serve.yaml": "playbooks: {load: ./pb.yaml}\nssh: {connectTimeout: 1s}\ntokens: [{name: ops, file: ./token}]\n" +
			"webhooks:\n  - {name: load, playbook: load, action: sweep, scheme: generic, secret: {file: ./hook}, " +
			"rate: {perMinute: 1000000, burst: 100000}}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, "serve.yaml"), nil
}

// startReplica runs one `ck8sctl serve` replica on dsn.
func startReplica(self, cfg, dsn, logPath string) (string, *exec.Cmd, error) {
	return startServeProc(self, logPath, "serve", "--config", cfg, "--db", dsn, "--workers", "1")
}

// startServeProc runs `ck8sctl --log-level warn ARGS --listen ADDR` on a
// free loopback port and waits for its /healthz.
func startServeProc(self, logPath string, args ...string) (string, *exec.Cmd, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(logPath)
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self, append(append([]string{"--log-level", "warn"}, args...), "--listen", addr)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return addr, cmd, nil
		}
	}
	_ = cmd.Process.Kill()
	return "", nil, fmt.Errorf("serve on %s did not come up (log %s)", addr, logPath)
}
