package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

var serveHosts = flag.Int("serve-hosts", 50, "hosts of the serve section's lab")

const serveToken = "bench-serve-api-token"

// serveBench measures `ck8sctl serve` running a scheduled sweep of a lab:
// the time from the schedule's fire (the River job's scheduled time) to
// the run's first agent step on a host, the sweep's duration, and the
// daemon's memory idle and at its peak during the sweep.
func serveBench(self string) error {
	ctx := context.Background()
	fmt.Printf("\n== serve: a scheduled sweep of %d lab hosts (load %s) ==\n", *serveHosts, loadavg())
	l, err := sectionLabUp(ctx, "servelab-", lab.Options{Hosts: *serveHosts,
		ListenerArgv: []string{self, "lab", "listen"}, DNSArgv: []string{self, "lab", "dns"}},
		[]int{benchIndex, benchIndex - 1, benchIndex - 2})
	if err != nil {
		return err
	}
	defer sweepLabDown(l)
	pb, err := sweepPlaybook(l, "nftables", "serve", "22,80,443", "")
	if err != nil {
		return err
	}
	cfg := filepath.Join(l.Dir, "serve.yaml")
	if err := os.WriteFile(filepath.Join(l.Dir, "token"), []byte(serveToken), 0o600); err != nil {
		return err
	}
	// Fires 3 minutes apart (a schedule waits for its next fire; the first
	// sweep, uploading the agent, must end before the second fire).
	yaml := fmt.Sprintf("playbooks: {staging: %s}\nssh: {forks: 50}\ntokens: [{name: ops, file: ./token}]\n"+
		"schedules:\n  - {name: sweep, playbook: staging, action: sweep, cron: '@every 3m'}\n", pb)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		return err
	}
	addr, cmd, err := startServeSection(self, cfg, filepath.Join(l.Dir, "serve.db"), filepath.Join(l.Dir, "serve.log"))
	if err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	time.Sleep(15 * time.Second)
	idle := vmKB(cmd.Process.Pid, "VmRSS")
	var samples []rssSample // read once sampled is closed
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // VmHWM would include start-up; sample the sweeps' own
		defer close(sampled)
		for {
			samples = append(samples, rssSample{at: time.Now(), kb: vmKB(cmd.Process.Pid, "VmRSS")})
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	// The first fire's sweep uploads the agent to every host; the second
	// is the steady state.
	runs, err := waitScheduledRuns(addr, 2, 9*time.Minute)
	close(stop)
	<-sampled
	if err != nil {
		return err
	}
	var peak int64
	for _, s := range samples {
		peak = max(peak, s.kb)
	}
	for i, run := range runs {
		fired, picked, err := jobTimes(filepath.Join(l.Dir, "serve.db"), run.id)
		if err != nil {
			return err
		}
		what := map[int]string{0: "first fire (agent upload)", 1: "second fire"}[i]
		fmt.Printf("%s: fire to worker %s, to first agent step %s; sweep of %d hosts %s, status %s, serve's peak RSS during it %.1f MB\n", what,
			picked.Sub(fired).Round(time.Millisecond), run.firstStep.Sub(fired).Round(time.Millisecond),
			*serveHosts, run.finished.Sub(run.started).Round(time.Millisecond), run.status, float64(peakWithin(samples, run.started, run.finished))/1024)
	}
	fmt.Printf("serve RSS: idle %.1f MB, peak during the sweeps %.1f MB (load %s)\n", float64(idle)/1024, float64(peak)/1024, loadavg())
	return nil
}

type scheduledRun struct {
	id, status        string
	firstStep         time.Time
	started, finished time.Time
}

// rssSample is serve's resident memory at a moment.
type rssSample struct {
	at time.Time
	kb int64
}

// peakWithin is the largest sample taken from from to to.
func peakWithin(samples []rssSample, from, to time.Time) int64 {
	var peak int64
	for _, s := range samples {
		if !s.at.Before(from) && !s.at.After(to) {
			peak = max(peak, s.kb)
		}
	}
	return peak
}

// waitScheduledRuns waits for the schedule's first n runs to finish and
// reads their first agent steps, oldest first.
func waitScheduledRuns(addr string, n int, within time.Duration) ([]scheduledRun, error) {
	get := func(path string, v any) error {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+serveToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(v)
	}
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(time.Second) {
		var list struct {
			Runs []struct {
				RunID, Status, Trigger string
				Started                time.Time
				Finished               *time.Time
			}
		}
		if err := get("/v1/runs?limit=20", &list); err != nil {
			continue
		}
		var out []scheduledRun
		for _, r := range slices.Backward(list.Runs) { // newest first: oldest first
			if r.Trigger != "schedule:sweep" || r.Finished == nil || len(out) == n {
				continue
			}
			var evs struct {
				Events []struct {
					Event struct {
						Type string
						Ts   time.Time
					}
				}
			}
			if err := get("/v1/runs/"+r.RunID+"/events", &evs); err != nil {
				return nil, err
			}
			run := scheduledRun{id: r.RunID, status: r.Status, started: r.Started, finished: *r.Finished}
			for _, e := range evs.Events {
				if e.Event.Type == "step.started" && (run.firstStep.IsZero() || e.Event.Ts.Before(run.firstStep)) {
					run.firstStep = e.Event.Ts
				}
			}
			out = append(out, run)
		}
		if len(out) == n {
			return out, nil
		}
	}
	return nil, fmt.Errorf("fewer than %d scheduled sweeps finished within %s", n, within)
}

// vmKB is a /proc/PID/status field in kB.
func vmKB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// startServeSection runs `ck8sctl serve` on a free loopback port.
func startServeSection(self, cfg, db, logPath string) (string, *exec.Cmd, error) {
	return startServeProc(self, logPath, "serve", "--config", cfg, "--db", db)
}

// jobTimes are when River's job of run id was due (the schedule's fire; a
// splay would add to it, the section's schedule has none) and when a
// worker took it.
func jobTimes(db, id string) (fired, picked time.Time, err error) {
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		return fired, picked, err
	}
	defer conn.Close()
	err = conn.QueryRow(`SELECT j.scheduled_at, j.attempted_at FROM river_job j JOIN runs r ON r.job_id = j.id WHERE r.id = ?`, id).
		Scan(&fired, &picked)
	return fired.UTC(), picked.UTC(), err
}
