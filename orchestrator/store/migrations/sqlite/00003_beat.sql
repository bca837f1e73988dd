-- The scheduler's heartbeat: River's leader inserts a heartbeat job
-- every 30 s and whichever replica works it records the time here, so
-- that every replica's /readyz knows the scheduler runs, not only the
-- one that happened to work the last beat.

-- +goose Up
CREATE TABLE scheduler_beat (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    beat_at TEXT NOT NULL,
    worker  TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE scheduler_beat;
