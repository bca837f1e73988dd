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

// RecordDeliveriesTx records ds in the caller's transaction with one
// statement, and returns for each the run it belongs to: its own RunID
// when it is new, the first run's when the (hook, id) was recorded before
// or earlier in ds. The serve daemon's group commit writes a burst of
// deliveries this way, not one statement each.
func RecordDeliveriesTx(ctx context.Context, tx Tx, ds []Delivery) ([]string, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	d := tx.dialect()
	var ins, sel strings.Builder
	insArgs := make([]any, 0, 4*len(ds))
	selArgs := make([]any, 0, 2*len(ds))
	ins.WriteString(`INSERT INTO webhook_deliveries (hook, delivery_id, run_id, received_at) VALUES `)
	sel.WriteString(`SELECT hook, delivery_id, run_id FROM webhook_deliveries WHERE `)
	for i, x := range ds {
		if i > 0 {
			ins.WriteString(", ")
			sel.WriteString(" OR ")
		}
		ins.WriteString("(?, ?, ?, ?)")
		sel.WriteString("(hook = ? AND delivery_id = ?)")
		insArgs = append(insArgs, x.Hook, x.ID, x.RunID, d.time(x.At))
		selArgs = append(selArgs, x.Hook, x.ID)
	}
	ins.WriteString(` ON CONFLICT (hook, delivery_id) DO NOTHING`)
	if _, err := tx.exec(ctx, ins.String(), insArgs...); err != nil {
		return nil, fmt.Errorf("recording %d deliveries: %w", len(ds), err)
	}
	owner := make(map[[2]string]string, len(ds))
	err := tx.query(ctx, sel.String(), func(r row) error {
		var hook, id, run string
		if err := r.Scan(&hook, &id, &run); err != nil {
			return err
		}
		owner[[2]string{hook, id}] = run
		return nil
	}, selArgs...)
	if err != nil {
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

// QueueRunsTx records runs serve accepted, queued, in the caller's
// transaction with one statement. An ID that exists is an error.
func QueueRunsTx(ctx context.Context, tx Tx, runs []Run) error {
	if len(runs) == 0 {
		return nil
	}
	d := tx.dialect()
	var b strings.Builder
	args := make([]any, 0, 13*len(runs))
	b.WriteString(`INSERT INTO runs (id, command, playbook, started_at, finished_at, status, exit_code, hosts, check_mode,
		run_trigger, limit_pattern, job_id, attempt) VALUES `)
	for i, r := range runs {
		if r.ID == "" || r.Started.IsZero() {
			return fmt.Errorf("queueing run %q: ID and Started are required", r.ID)
		}
		if r.Trigger == "" {
			r.Trigger = TriggerCLI
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?, ?, ?, ?)")
		args = append(args, r.ID, r.Command, r.Playbook, d.time(r.Started), StatusQueued, r.Hosts, r.Check,
			r.Trigger, r.Limit, nullInt(r.JobID), max(r.Attempt, 1))
	}
	if _, err := tx.exec(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("queueing %d runs: %w", len(runs), err)
	}
	return nil
}
