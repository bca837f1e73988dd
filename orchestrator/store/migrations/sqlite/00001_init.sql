-- Timestamps are TEXT in a fixed-width RFC 3339 form with nanoseconds, UTC
-- ("2006-01-02T15:04:05.000000000Z"): text order is time order, the rows are
-- readable in the sqlite3 shell, and the values cast cleanly to timestamptz
-- when PostgreSQL takes over. No foreign keys (the epic adds none): events
-- may arrive for a run row written by another replica.

-- +goose Up
CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    command     TEXT NOT NULL,
    playbook    TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,
    exit_code   INTEGER,
    hosts       INTEGER NOT NULL DEFAULT 0,
    check_mode  INTEGER NOT NULL DEFAULT 0 -- "check" is a reserved word
) STRICT;

CREATE INDEX runs_started_at ON runs (started_at);

CREATE TABLE flow_events (
    id         INTEGER PRIMARY KEY,
    run_id     TEXT NOT NULL,
    host       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    step       TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    message    TEXT NOT NULL DEFAULT '',
    data       TEXT, -- JSON; NULL when the event carries none
    created_at TEXT NOT NULL,
    -- Also the run_id index: run_id is its leftmost column, so a separate
    -- index would cost every insert and serve no query.
    UNIQUE (run_id, host, seq)
) STRICT;

CREATE INDEX flow_events_type_created ON flow_events (event_type, created_at);

-- +goose Down
DROP TABLE flow_events;
DROP TABLE runs;
