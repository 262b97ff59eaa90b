-- Every write batch ends by claiming the deliveries never handed to the
-- Queue (`webhooks::claim_stmt`): this index holds exactly those, so the
-- claim costs one probe of an empty index when nothing is waiting, and no
-- scan of the deliveries already queued or retrying.
CREATE INDEX deliveries_unqueued ON deliveries (seq) WHERE status = 'pending' AND queued_at IS NULL;
