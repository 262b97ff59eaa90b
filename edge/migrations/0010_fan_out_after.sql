-- Deliveries are made from events by the write path, not by a trigger on
-- `events`. SQLite compiles every trigger a statement may fire into that
-- statement, and D1 prepares each statement anew: the fan-out, nested in
-- each event trigger, was compiled about five times into every redemption
-- whether or not a store had an endpoint.
--
-- Events are still written by the triggers of migration 0007, in the batch
-- of their change. A write batch in an isolate that knows of an endpoint
-- ends with the fan-out of the events not yet fanned out
-- (`webhooks::fan_out_stmts`) and the claim of their deliveries; the
-- scheduled job does both for whatever no request did (an isolate that has
-- not yet seen a new endpoint, the job's own expiries and warnings).
DROP TRIGGER events_fan_out;

ALTER TABLE events ADD COLUMN fanned_out INTEGER NOT NULL DEFAULT 0 CHECK (fanned_out IN (0, 1));
UPDATE events SET fanned_out = 1;
CREATE INDEX events_to_fan_out ON events (seq) WHERE fanned_out = 0;
