package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// sqliteDriver is River's SQLite driver with one statement changed: the
// insert of a batch of jobs in a transaction (InsertManyFastTx, the
// webhook path's group commit).
//
// River inserts such a batch with one statement over json_each of the
// jobs encoded as one JSON array, extracting each of a job's twelve
// columns with json_extract. In modernc's SQLite that costs ~80 µs of CPU
// per job, and it runs on the one writer every 202 of a webhook burst
// waits for: about a quarter of the whole burst's CPU in the profile of
// BenchmarkWebhookBurst. River's driver also carries the single-job form
// of that statement (JobInsertFastNoReturning, VALUES with bound
// parameters) but uses it nowhere; sqliteDriver runs that statement for
// each job of the batch, a batch of one too. It is prepared once, on the
// writer pool, not per transaction: the pure-Go driver's prepare of
// River's statements took about 0.4 ms, a third of the CPU of a
// transaction that queues one delivery (BenchmarkWebhookAccept).
//
// The rows are the same: TestSQLiteInsertRowsAsRivers inserts one batch
// both ways and compares every column, byte for byte, so an upgrade of
// River that changes its statement or its encoding fails there, not in
// production.
type sqliteDriver struct {
	*riversqlite.Driver
	insert *sql.Stmt // insertOneJob, prepared once on the writer pool
}

// newSQLiteDriver is River's driver on db with insertOneJob prepared: db
// must be migrated, and idle (its one connection is free).
func newSQLiteDriver(db *sql.DB) (*sqliteDriver, error) {
	st, err := db.PrepareContext(context.Background(), insertOneJob)
	if err != nil {
		return nil, fmt.Errorf("preparing River's job insert (is the database migrated?): %w", err)
	}
	return &sqliteDriver{Driver: riversqlite.New(db), insert: st}, nil
}

// UnwrapExecutor is the executor River inserts a transaction's jobs with.
func (d *sqliteDriver) UnwrapExecutor(tx *sql.Tx) riverdriver.ExecutorTx {
	return &rowInserter{ExecutorTx: d.Driver.UnwrapExecutor(tx), tx: tx, insert: d.insert}
}

// rowInserter is River's executor with JobInsertFastManyNoReturning
// inserting row by row.
type rowInserter struct {
	riverdriver.ExecutorTx
	tx     *sql.Tx
	insert *sql.Stmt
}

// JobInsertFastManyNoReturning inserts params.Jobs and returns how many
// rows were inserted (a job whose unique key is taken is skipped, as in
// River's statement).
func (e *rowInserter) JobInsertFastManyNoReturning(ctx context.Context, params *riverdriver.JobInsertFastManyParams) (int, error) {
	if params.Schema != "" {
		// A named schema is quoted by River's own code.
		return e.ExecutorTx.JobInsertFastManyNoReturning(ctx, params)
	}
	// The statement prepared on the writer pool, bound to this
	// transaction: database/sql reuses the connection's prepared one.
	stmt := e.tx.StmtContext(ctx, e.insert)
	defer stmt.Close()
	n := 0
	for _, j := range params.Jobs {
		args, err := oneJobArgs(j)
		if err != nil {
			return n, err
		}
		res, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return n, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, err
		}
		n += int(k)
	}
	return n, nil
}

// oneJobArgs are insertOneJob's parameters for j, encoded as River's
// driver encodes them for its batch statement: args and metadata go
// through encoding/json there (as json.RawMessage in the batch's array),
// which compacts them and escapes HTML characters, so they do here too.
func oneJobArgs(j *riverdriver.JobInsertFastParams) ([]any, error) {
	metadata := j.Metadata
	if len(metadata) == 0 {
		metadata = []byte("{}")
	}
	var enc [3][]byte
	for i, v := range []any{json.RawMessage(j.EncodedArgs), json.RawMessage(metadata), j.Tags} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		enc[i] = b
	}
	var uniqueStates *int64
	if j.UniqueStates != 0 {
		uniqueStates = new(int64(j.UniqueStates))
	}
	return []any{
		string(enc[0]), sqliteTime(j.CreatedAt), j.Kind, int64(j.MaxAttempts),
		string(enc[1]), int64(j.Priority), j.Queue, sqliteTime(j.ScheduledAt),
		string(j.State), string(enc[2]), j.UniqueKey, uniqueStates,
	}, nil
}

// sqliteTime is River's SQLite time encoding (riversqlite's timeString:
// any other format stores fine and then compares wrong).
func sqliteTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Round(time.Millisecond).Format("2006-01-02 15:04:05.000")
	return &s
}

// insertOneJob is River's JobInsertFastNoReturning (riversqlite's
// internal/dbsqlc/river_job.sql) for the default schema.
const insertOneJob = `INSERT INTO river_job(
    args,
    created_at,
    kind,
    max_attempts,
    metadata,
    priority,
    queue,
    scheduled_at,
    state,
    tags,
    unique_key,
    unique_states
) VALUES (
    jsonb(?1),
    coalesce(cast(?2 AS text), datetime('now', 'subsec')),
    ?3,
    ?4,
    jsonb(?5),
    ?6,
    ?7,
    coalesce(cast(?8 AS text), datetime('now', 'subsec')),
    ?9,
    jsonb(?10),
    CASE WHEN length(cast(?11 AS blob)) = 0 THEN NULL ELSE ?11 END,
    ?12
)
ON CONFLICT (unique_key)
    WHERE unique_key IS NOT NULL
        AND unique_states IS NOT NULL
        AND CASE state
                WHEN 'available' THEN unique_states & (1 << 0)
                WHEN 'cancelled' THEN unique_states & (1 << 1)
                WHEN 'completed' THEN unique_states & (1 << 2)
                WHEN 'discarded' THEN unique_states & (1 << 3)
                WHEN 'pending'   THEN unique_states & (1 << 4)
                WHEN 'retryable' THEN unique_states & (1 << 5)
                WHEN 'running'   THEN unique_states & (1 << 6)
                WHEN 'scheduled' THEN unique_states & (1 << 7)
                ELSE 0
            END >= 1
DO NOTHING`
