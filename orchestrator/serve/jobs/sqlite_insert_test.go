package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/ck8s/ck8sctl/orchestrator/store"
)

func sqliteStore(tb testing.TB) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "serve.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := Migrate(ctx, db); err != nil {
		tb.Fatal(err)
	}
	return db
}

// insertParams are jobs as River hands them to its driver, with what
// could encode differently: HTML and line-separator characters, non-ASCII
// text, numbers, nested objects, no metadata and some, tags and none, times
// left to the database and given, a unique key.
func insertParams(n int) []*riverdriver.JobInsertFastParams {
	at := time.Date(2026, 12, 3, 6, 30, 0, 123456789, time.FixedZone("x", 3600))
	out := make([]*riverdriver.JobInsertFastParams, n)
	for i := range out {
		p := &riverdriver.JobInsertFastParams{
			EncodedArgs: fmt.Appendf(nil, `{"runId":"r-%d","action":"harden","playbook":"lab <&> \u2028 ü","missed":%d,"webhook":{"hook":"deploy","ref":"refs/heads/main"}}`, i, i*1000003),
			Kind:        Kind,
			MaxAttempts: MaxAttempts,
			Priority:    1 + i%4,
			Queue:       "default",
			State:       rivertype.JobStateAvailable,
			Tags:        []string{}, // River's own never nil: its column is NOT NULL
		}
		switch i % 4 {
		case 1:
			p.Metadata = []byte(`{"note": "spaced  out", "n": 1.50}`)
			p.Tags = []string{"a", "b <c>"}
			p.CreatedAt, p.ScheduledAt = &at, &at
		case 2:
			p.State = rivertype.JobStateScheduled
			later := at.Add(time.Hour)
			p.ScheduledAt = &later
		case 3:
			p.UniqueKey = fmt.Appendf(nil, "unique-%d", i)
			p.UniqueStates = 0b1111_0111
		}
		out[i] = p
	}
	return out
}

// rowDriver is sqliteDriver on db's writer.
func rowDriver(tb testing.TB, db *sql.DB) *sqliteDriver {
	tb.Helper()
	d, err := newSQLiteDriver(db)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// TestSQLiteInsertRowsAsRivers inserts one batch with River's own
// statement and with sqliteDriver's, each in a transaction rolled back
// afterwards, and requires the same rows, every column byte for byte, and
// the same count, a job whose unique key is taken skipped by both. A
// batch of one job, which River inserts with the same statement, goes
// through sqliteDriver's too.
func TestSQLiteInsertRowsAsRivers(t *testing.T) {
	db := sqliteStore(t)
	ctx := context.Background()
	jobs := insertParams(24)
	taken := &riverdriver.JobInsertFastManyParams{Jobs: jobs[3:4]} // unique-3 is in the table
	if _, err := riversqlite.New(db.Writer()).GetExecutor().JobInsertFastManyNoReturning(ctx, taken); err != nil {
		t.Fatal(err)
	}
	insert := func(d riverdriver.Driver[*sql.Tx], jobs []*riverdriver.JobInsertFastParams) (int, []map[string]any) {
		tx, err := db.Writer().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		n, err := d.UnwrapExecutor(tx).JobInsertFastManyNoReturning(ctx, &riverdriver.JobInsertFastManyParams{Jobs: jobs})
		if err != nil {
			t.Fatal(err)
		}
		return n, rowsOf(t, tx)
	}
	rows := rowDriver(t, db.Writer())
	oneN, one := insert(rows, jobs[:1])
	if wantN, want := insert(riversqlite.New(db.Writer()), jobs[:1]); oneN != 1 || wantN != 1 || len(one) != 2 || len(want) != 2 {
		t.Errorf("one job: inserted %d, River's statement %d; %d rows, River's %d (want 1, 1; 2, 2)", oneN, wantN, len(one), len(want))
	} else {
		sameRow(t, one[1], want[1], jobs[0])
	}
	wantN, want := insert(riversqlite.New(db.Writer()), jobs)
	gotN, got := insert(rows, jobs)
	if wantN != len(jobs)-1 {
		t.Fatalf("River's statement inserted %d of %d jobs, want all but the taken unique key", wantN, len(jobs))
	}
	if gotN != wantN {
		t.Errorf("inserted %d jobs, River's statement %d", gotN, wantN)
	}
	if len(got) != len(want) || len(want) != len(jobs) {
		t.Fatalf("%d rows, River's statement left %d", len(got), len(want))
	}
	// The first row is the taken key's, committed before; then the
	// batch's but that one.
	order := append([]*riverdriver.JobInsertFastParams{jobs[3]}, jobs[:3]...)
	order = append(order, jobs[4:]...)
	for i := range want {
		sameRow(t, got[i], want[i], order[i])
	}
}

// sameRow requires the row inserted for j to be River's, every column.
func sameRow(t *testing.T, got, want map[string]any, j *riverdriver.JobInsertFastParams) {
	t.Helper()
	// A time left to the database is its clock's, a little apart.
	if j.CreatedAt == nil {
		near(t, got, want, "created_at")
	}
	if j.ScheduledAt == nil {
		near(t, got, want, "scheduled_at")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("job %s's row:\n got %v\nwant %v", j.EncodedArgs, got, want)
	}
}

// near requires column col of two rows to be times less than a second
// apart, and then sets got's to want's.
func near(t *testing.T, got, want map[string]any, col string) {
	t.Helper()
	g, gok := got[col].(time.Time)
	w, wok := want[col].(time.Time)
	if !gok || !wok || g.Sub(w).Abs() > time.Second {
		t.Errorf("%s: got %v, want about %v", col, got[col], want[col])
		return
	}
	got[col] = want[col]
}

// rowsOf is every row of river_job, each column by name as SQLite
// stores it.
func rowsOf(t *testing.T, tx *sql.Tx) []map[string]any {
	t.Helper()
	rows, err := tx.Query(`SELECT * FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c] = vals[i]
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// BenchmarkInsertBatch inserts a webhook burst's 200 jobs in one
// transaction with River's statement (json_each) and with sqliteDriver's
// (a prepared insert per row).
func BenchmarkInsertBatch(b *testing.B) {
	for _, c := range []struct {
		name string
		d    func(*sql.DB) riverdriver.Driver[*sql.Tx]
	}{
		{"river", func(db *sql.DB) riverdriver.Driver[*sql.Tx] { return riversqlite.New(db) }},
		{"rows", func(db *sql.DB) riverdriver.Driver[*sql.Tx] { return rowDriver(b, db) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			db := sqliteStore(b)
			d := c.d(db.Writer())
			jobs := insertParams(200)
			for _, j := range jobs {
				j.UniqueKey, j.UniqueStates = nil, 0
			}
			ctx := context.Background()
			for b.Loop() {
				tx, err := db.Writer().BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := d.UnwrapExecutor(tx).JobInsertFastManyNoReturning(ctx, &riverdriver.JobInsertFastManyParams{Jobs: jobs}); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(jobs)), "µs/job")
		})
	}
}
