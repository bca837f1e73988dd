package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ck8s/ck8sctl/internal/pgtest"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

var (
	fleetHosts   = flag.Int("fleet-hosts", 200, "hosts of the fleet section's lab")
	fleetEvery   = flag.Duration("fleet-every", 5*time.Minute, "the fleet section's sweep period")
	fleetPeriods = flag.Int("fleet-periods", 3, "periods the fleet section watches")
)

// fleetBench sweeps a lab fleet on a schedule with three serve replicas
// on one PostgreSQL, for a few periods, and checks from the database that
// each period was swept once, by whichever replica, and that no host was
// worked by two runs at the same time.
func fleetBench(self string) error {
	ctx := context.Background()
	fmt.Printf("\n== fleet: %d lab hosts swept every %s by %d replicas on one PostgreSQL, %d periods (load %s) ==\n",
		*fleetHosts, *fleetEvery, *replicasN, *fleetPeriods, loadavg())
	cluster, stop, err := pgtest.StartMain()
	if err != nil {
		return err
	}
	defer stop()
	if err := cluster.CreateDatabase(ctx, "fleet"); err != nil {
		return err
	}
	dsn := cluster.DSN("fleet")
	l, err := sectionLabUp(ctx, "fleetlab-", lab.Options{Hosts: *fleetHosts,
		ListenerArgv: []string{self, "lab", "listen"}, DNSArgv: []string{self, "lab", "dns"}},
		[]int{benchIndex, benchIndex - 1, benchIndex - 2})
	if err != nil {
		return err
	}
	defer sweepLabDown(l)
	pb, err := sweepPlaybook(l, "nftables", "fleet", "22,80,443", "")
	if err != nil {
		return err
	}
	cfg := filepath.Join(l.Dir, "serve.yaml")
	yaml := fmt.Sprintf("playbooks: {fleet: %s}\nssh: {forks: 50}\nschedules:\n  - {name: fleet, playbook: fleet, action: sweep, cron: '@every %s'}\n",
		pb, *fleetEvery)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		return err
	}
	for i := range *replicasN {
		_, cmd, err := startServeProc(self, filepath.Join(l.Dir, fmt.Sprintf("serve-%d.log", i)), "serve", "--config", cfg, "--db", dsn)
		if err != nil {
			return err
		}
		defer func(cmd *exec.Cmd) { _ = cmd.Process.Kill(); _ = cmd.Wait() }(cmd)
	}
	// Periods plus the last sweep's own time.
	time.Sleep(time.Duration(*fleetPeriods)*(*fleetEvery) + *fleetEvery/2)
	return fleetReport(ctx, dsn)
}

func fleetReport(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT r.id, r.started_at, r.finished_at, r.status, j.scheduled_at,
			coalesce(j.attempted_by[array_length(j.attempted_by, 1)], '?')
		FROM runs r JOIN river_job j ON j.id = r.job_id
		WHERE r.run_trigger = 'schedule:fleet' ORDER BY r.started_at`)
	if err != nil {
		return err
	}
	type run struct {
		id, status, by string
		started, fired time.Time
		finished       *time.Time
	}
	var runs []run
	for rows.Next() {
		var r run
		if err := rows.Scan(&r.id, &r.started, &r.finished, &r.status, &r.fired, &r.by); err != nil {
			return err
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	perPeriod := map[int64]int{}
	for _, r := range runs {
		took := "unfinished"
		if r.finished != nil {
			took = r.finished.Sub(r.started).Round(time.Second).String()
		}
		fmt.Printf("  fired %s  run %s  by %s  sweep %s  %s\n", r.fired.UTC().Format(time.TimeOnly), r.id, r.by, took, r.status)
		perPeriod[r.fired.Unix()/int64(fleetEvery.Seconds())]++
	}
	doubled := 0
	for _, n := range perPeriod {
		if n > 1 {
			doubled++
		}
	}
	// No host in two runs at once: per host, each run's agent steps (the
	// agent holds the host lock from the first step.started to the last
	// step.finished; lock.waiting comes before) span an interval, and no
	// two of them intersect.
	var overlaps int
	err = conn.QueryRow(ctx, `WITH spans AS (
			SELECT run_id, host, min(created_at) AS a, max(created_at) AS b FROM flow_events
			WHERE run_id IN (SELECT id FROM runs WHERE run_trigger = 'schedule:fleet')
				AND event_type IN ('step.started', 'step.finished')
			GROUP BY run_id, host)
		SELECT count(*) FROM spans x JOIN spans y ON x.host = y.host AND x.run_id < y.run_id AND x.a < y.b AND y.a < x.b`).Scan(&overlaps)
	if err != nil {
		return err
	}
	fmt.Printf("sweeps: %d in %d periods (periods with two: %d); host intervals worked by two runs at once: %d (load %s)\n",
		len(runs), len(perPeriod), doubled, overlaps, loadavg())
	if doubled > 0 || overlaps > 0 {
		return fmt.Errorf("a period swept twice or a host worked by two runs at once")
	}
	return nil
}
