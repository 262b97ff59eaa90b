-- The open lots behind a balance (for "expiring soon" on every GET /v1/me)
-- are read from the positive entries only; without this index the search
-- walks every entry of the member, debits included, which grows with a
-- long-standing member's history. (EXPLAIN QUERY PLAN: SEARCH l USING
-- INDEX ledger_lots instead of ledger_member.)
CREATE INDEX ledger_lots ON ledger (customer_id, id) WHERE points > 0;
