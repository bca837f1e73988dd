-- The process that owns a run (HOST/BOOTID/PID/START, internal/procowner),
-- so that the next CLI run can mark a run whose process died (kill -9, a
-- crash, a reboot) interrupted instead of running forever, and the next
-- contact with its hosts imports the rest of its events from their
-- journals. Empty for runs serve's River jobs own (River rescues those).

-- +goose Up
ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE runs DROP COLUMN owner;
