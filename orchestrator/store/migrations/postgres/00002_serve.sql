-- The serve daemon's tables: the PostgreSQL twin of
-- migrations/sqlite/00002_serve.sql (why each exists is told there).

-- +goose Up
ALTER TABLE runs ADD COLUMN run_trigger text NOT NULL DEFAULT 'cli';
ALTER TABLE runs ADD COLUMN limit_pattern text NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN job_id bigint;
ALTER TABLE runs ADD COLUMN attempt integer NOT NULL DEFAULT 1;
ALTER TABLE runs ADD COLUMN report json; -- NULL until finished
CREATE INDEX runs_status ON runs (status);
CREATE INDEX runs_job ON runs (job_id);

CREATE TABLE run_hosts (
    run_id      text NOT NULL,
    host        text NOT NULL,
    status      text NOT NULL,
    verdict     text NOT NULL,
    finished_at timestamptz NOT NULL,
    report      json NOT NULL, -- the report's host entry
    PRIMARY KEY (run_id, host)
);
CREATE INDEX run_hosts_host_finished ON run_hosts (host, finished_at);

CREATE TABLE webhook_deliveries (
    hook        text NOT NULL,
    delivery_id text NOT NULL,
    run_id      text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (hook, delivery_id)
);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE run_hosts;
DROP INDEX runs_job;
DROP INDEX runs_status;
ALTER TABLE runs DROP COLUMN report;
ALTER TABLE runs DROP COLUMN attempt;
ALTER TABLE runs DROP COLUMN job_id;
ALTER TABLE runs DROP COLUMN limit_pattern;
ALTER TABLE runs DROP COLUMN run_trigger;
