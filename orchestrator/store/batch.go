package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Delivery is a webhook delivery to record for a run.
type Delivery struct {
	Hook, ID, RunID string
	At              time.Time
}

// RecordDeliveriesTx records ds in the caller's transaction with a few
// multi-row statements (stmts.go), and returns for each the run it
// belongs to: its own RunID when it is new, the first run's when the
// (hook, id) was recorded before or earlier in ds. The serve daemon's
// group commit writes a burst of deliveries this way, not one statement
// each.
//
// The insert returns the rows it wrote, so only replays (rare) are looked
// up afterwards: a lookup of every delivery of a burst was a tenth of the
// single SQLite writer's time per delivery.
func RecordDeliveriesTx(ctx context.Context, tx Tx, ds []Delivery) ([]string, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	d := tx.dialect()
	owner := make(map[[2]string]string, len(ds))
	scan := func(r row) error {
		var hook, id, run string
		if err := r.Scan(&hook, &id, &run); err != nil {
			return err
		}
		owner[[2]string{hook, id}] = run
		return nil
	}
	rest := ds
	for _, n := range batchChunks(len(ds)) {
		args := make([]any, 0, 4*n)
		for _, x := range rest[:n] {
			args = append(args, x.Hook, x.ID, x.RunID, d.time(x.At))
		}
		if err := tx.query(ctx, deliveriesSQL(n), scan, args...); err != nil {
			return nil, fmt.Errorf("recording %d deliveries: %w", len(ds), err)
		}
		rest = rest[n:]
	}
	if err := lookUpReplays(ctx, tx, ds, owner, scan); err != nil {
		return nil, fmt.Errorf("recording %d deliveries: %w", len(ds), err)
	}
	out := make([]string, len(ds))
	for i, x := range ds {
		out[i] = owner[[2]string{x.Hook, x.ID}]
		if out[i] == "" {
			return nil, fmt.Errorf("recording delivery %s of hook %s: not stored", x.ID, x.Hook)
		}
	}
	return out, nil
}

// deliveriesSQL records n deliveries and returns the rows it wrote.
func deliveriesSQL(n int) string {
	return rowsSQL(`INSERT INTO webhook_deliveries (hook, delivery_id, run_id, received_at) VALUES `, "(?, ?, ?, ?)",
		` ON CONFLICT (hook, delivery_id) DO NOTHING RETURNING hook, delivery_id, run_id`, n)
}

// lookUpReplays scans the stored rows of the deliveries of ds the insert
// did not write (owner has no entry for them): replays of an earlier
// delivery, or of one earlier in ds.
func lookUpReplays(ctx context.Context, tx Tx, ds []Delivery, owner map[[2]string]string, scan func(row) error) error {
	var sel strings.Builder
	var args []any
	for _, x := range ds {
		if _, ok := owner[[2]string{x.Hook, x.ID}]; ok {
			continue
		}
		if len(args) == 0 {
			sel.WriteString(`SELECT hook, delivery_id, run_id FROM webhook_deliveries WHERE `)
		} else {
			sel.WriteString(" OR ")
		}
		sel.WriteString("(hook = ? AND delivery_id = ?)")
		args = append(args, x.Hook, x.ID)
	}
	if len(args) == 0 {
		return nil
	}
	return tx.query(ctx, sel.String(), scan, args...)
}

// QueueRunsTx records runs serve accepted, queued, in the caller's
// transaction with a few multi-row statements (stmts.go). An ID that
// exists is an error.
func QueueRunsTx(ctx context.Context, tx Tx, runs []Run) error {
	d := tx.dialect()
	rest := runs
	for _, n := range batchChunks(len(runs)) {
		args := make([]any, 0, 11*n)
		for _, r := range rest[:n] {
			if r.ID == "" || r.Started.IsZero() {
				return fmt.Errorf("queueing run %q: ID and Started are required", r.ID)
			}
			if r.Trigger == "" {
				r.Trigger = TriggerCLI
			}
			args = append(args, r.ID, r.Command, r.Playbook, d.time(r.Started), StatusQueued, r.Hosts, r.Check,
				r.Trigger, r.Limit, nullInt(r.JobID), max(r.Attempt, 1))
		}
		if _, err := tx.exec(ctx, queueRunsSQL(n), args...); err != nil {
			return fmt.Errorf("queueing %d runs: %w", len(runs), err)
		}
		rest = rest[n:]
	}
	return nil
}

// queueRunsSQL records n queued runs.
func queueRunsSQL(n int) string {
	return rowsSQL(`INSERT INTO runs (id, command, playbook, started_at, finished_at, status, exit_code, hosts, check_mode,
		run_trigger, limit_pattern, job_id, attempt) VALUES `, "(?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?, ?, ?, ?)", "", n)
}
