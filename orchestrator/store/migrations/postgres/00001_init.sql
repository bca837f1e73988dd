-- The PostgreSQL twin of migrations/sqlite/00001_init.sql: the same
-- tables, columns and indexes, in PostgreSQL's own types. Timestamps are
-- timestamptz (microseconds; the store truncates what it writes), JSON is
-- json, not jsonb: json keeps the text as given, so what the store returns
-- is byte for byte what it was handed, as on SQLite. No foreign keys:
-- events may arrive for a run row written by another replica.

-- +goose Up
CREATE TABLE runs (
    id          text PRIMARY KEY,
    command     text NOT NULL,
    playbook    text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    status      text NOT NULL,
    exit_code   integer,
    hosts       integer NOT NULL DEFAULT 0,
    check_mode  boolean NOT NULL DEFAULT false -- "check" is a reserved word
);

CREATE INDEX runs_started_at ON runs (started_at);

CREATE TABLE flow_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id     text NOT NULL,
    host       text NOT NULL,
    seq        bigint NOT NULL,
    event_type text NOT NULL,
    step       text NOT NULL DEFAULT '',
    status     text NOT NULL,
    message    text NOT NULL DEFAULT '',
    data       json, -- NULL when the event carries none
    created_at timestamptz NOT NULL,
    -- Also the run_id index: run_id is its leftmost column.
    CONSTRAINT flow_events_run_host_seq UNIQUE (run_id, host, seq)
);

CREATE INDEX flow_events_type_created ON flow_events (event_type, created_at);

-- +goose Down
DROP TABLE flow_events;
DROP TABLE runs;
