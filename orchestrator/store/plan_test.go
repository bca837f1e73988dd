package store

import (
	"context"
	"strings"
	"testing"
)

func TestEventsQueryPlanUsesTypeIndex(t *testing.T) {
	s := open(t)
	for want, f := range map[string]Filter{
		"flow_events_type_created": {Type: "step.finished", Since: t0},
		// The UNIQUE constraint's index serves run filters and LastSeq.
		"sqlite_autoindex_flow_events_1": {RunID: "r1"},
	} {
		q, args := s.eventsQuery(f)
		plan := explainSQLite(t, s, q, args...)
		if !strings.Contains(plan, "USING INDEX "+want) {
			t.Errorf("plan for %+v does not use %s:\n%s", f, want, plan)
		}
	}
}

func explainSQLite(t *testing.T, s *DB, q string, args ...any) string {
	t.Helper()
	rows, err := s.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}

// TestPostgresQueryPlanUsesTypeIndex: the same indexes serve the same
// filters on PostgreSQL. An empty table is cheaper to scan than to index,
// so sequential scans are priced out, as a large table would.
func TestPostgresQueryPlanUsesTypeIndex(t *testing.T) {
	s := openAt(t, backends[1].target(t))
	for want, f := range map[string]Filter{
		"flow_events_type_created": {Type: "step.finished", Since: t0},
		"flow_events_run_host_seq": {RunID: "r1"},
	} {
		q, args := s.eventsQuery(f)
		plan := explainPostgres(t, s, q, args...)
		if !strings.Contains(plan, "using "+want+" on flow_events") {
			t.Errorf("plan for %+v does not use %s:\n%s", f, want, plan)
		}
	}
}

func explainPostgres(t *testing.T, s *DB, q string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	// SET LOCAL in a transaction: the setting must not outlive it on a
	// pooled connection.
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
