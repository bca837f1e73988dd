-- The hosts a run set out to contact, recorded with the run itself before
-- any agent starts, so that the next contact with a host finds every
-- interrupted run that may have left events in the host's journal, even
-- one killed before the first of that host's events was stored (the fault
-- campaign's kill -9: the agent finished its harden alone and its journal
-- was never imported, since the store knew no event of that host).

-- +goose Up
CREATE TABLE run_targets (
    run_id TEXT NOT NULL,
    host   TEXT NOT NULL,
    PRIMARY KEY (run_id, host)
) STRICT;

-- +goose Down
DROP TABLE run_targets;
