-- The serve daemon's tables. A run now says what started it (cli,
-- schedule:NAME, webhook:NAME, api:TOKEN), its --limit, its River job and
-- attempt, and once finished its report (the documented JSON schema,
-- docs/report.md) and one row per host, so that the API and the status
-- page answer from the store alone: from any replica, after any restart.

-- +goose Up
ALTER TABLE runs ADD COLUMN run_trigger TEXT NOT NULL DEFAULT 'cli';
ALTER TABLE runs ADD COLUMN limit_pattern TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN job_id INTEGER;
ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE runs ADD COLUMN report TEXT; -- JSON; NULL until finished
CREATE INDEX runs_status ON runs (status);
CREATE INDEX runs_job ON runs (job_id);

-- run_hosts is each host's outcome in a finished run; the newest row of a
-- host is its current verdict (GET /v1/hosts).
CREATE TABLE run_hosts (
    run_id      TEXT NOT NULL,
    host        TEXT NOT NULL,
    status      TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    report      TEXT NOT NULL, -- JSON: the report's host entry
    PRIMARY KEY (run_id, host)
) STRICT;
CREATE INDEX run_hosts_host_finished ON run_hosts (host, finished_at);

-- webhook_deliveries deduplicates deliveries for ever: River's unique jobs
-- forget a job once it is cleaned (24 h). Written in the transaction that
-- inserts the job, so a 202 always has both.
CREATE TABLE webhook_deliveries (
    hook        TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (hook, delivery_id)
) STRICT;

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
