-- The scheduled job forgets Idempotency-Key records older than a day
-- (idempotency::purge); this index lets it find them without reading the
-- whole table every minute.
CREATE INDEX idempotency_created_at ON idempotency (created_at);
