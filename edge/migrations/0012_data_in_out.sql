-- Data in and out: bulk import, the member's opaque key, erasure and the
-- verifiable ledger export (shared/API.md, "Members: list, export, erase",
-- "Bulk import", "Verifiable ledger export").
--
-- Rebuilding `ledger` (its CHECK gains the kind `import`) drops every
-- trigger on it and the one that writes into it; all are made again below,
-- as they were, except where this migration says otherwise.
PRAGMA defer_foreign_keys = on;

-- The member's opaque key: random, assigned once when the member is first
-- written, never changed. The ledger export names members by it; an
-- erasure removes the customer id and leaves the key.
ALTER TABLE members ADD COLUMN member_key TEXT;
UPDATE members SET member_key = 'mk_' || lower(hex(randomblob(16))) WHERE member_key IS NULL;
CREATE UNIQUE INDEX members_key ON members (member_key);
CREATE TRIGGER members_keyed AFTER INSERT ON members
WHEN NEW.member_key IS NULL
BEGIN
  UPDATE members SET member_key = 'mk_' || lower(hex(randomblob(16))) WHERE customer_id = NEW.customer_id;
END;
CREATE TRIGGER members_key_kept BEFORE UPDATE OF member_key ON members
WHEN OLD.member_key IS NOT NULL AND NEW.member_key IS NOT OLD.member_key
BEGIN
  SELECT RAISE(ABORT, 'member_key_kept');
END;

-- An erasure in progress: written first in the erasure's batch and removed
-- last, so it never outlives the batch. While its row exists the ledger
-- lets that member's entries be renamed to the member's key (below).
CREATE TABLE erasing (
  customer_id TEXT PRIMARY KEY,
  member_key  TEXT NOT NULL
) STRICT;

DROP TRIGGER redemptions_debit;
CREATE TABLE ledger_next (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id   TEXT NOT NULL REFERENCES members (customer_id),
  kind          TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'refund', 'adjust', 'expire', 'import')),
  points        INTEGER NOT NULL CHECK (points <> 0),
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER,
  order_id      TEXT,
  reward_id     TEXT,
  redemption_id TEXT,
  lot_id        INTEGER,
  reason        TEXT,
  cause         TEXT NOT NULL UNIQUE,
  CHECK ((kind IN ('earn', 'import') AND points > 0) OR (kind IN ('redeem', 'refund', 'expire') AND points < 0) OR kind = 'adjust')
) STRICT;
INSERT INTO ledger_next (id, customer_id, kind, points, created_at, expires_at, order_id, reward_id, redemption_id, lot_id, reason, cause)
SELECT id, customer_id, kind, points, created_at, expires_at, order_id, reward_id, redemption_id, lot_id, reason, cause FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_next RENAME TO ledger;
CREATE INDEX ledger_member ON ledger (customer_id, id);
CREATE INDEX ledger_expiring ON ledger (expires_at) WHERE expires_at IS NOT NULL AND points > 0;
CREATE INDEX ledger_lots ON ledger (customer_id, id) WHERE points > 0;

-- Append-only, but for an erasure: while `erasing` names the member, its
-- entries may move to the member's key, lose an adjustment's free-text
-- reason, and have the customer id inside a bonus's cause replaced by the
-- key. Nothing else of an entry ever changes.
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
WHEN NOT EXISTS (SELECT 1 FROM erasing e WHERE e.customer_id = OLD.customer_id AND e.member_key = NEW.customer_id)
  OR NEW.id IS NOT OLD.id OR NEW.kind IS NOT OLD.kind OR NEW.points IS NOT OLD.points
  OR NEW.created_at IS NOT OLD.created_at OR NEW.expires_at IS NOT OLD.expires_at
  OR NEW.order_id IS NOT OLD.order_id OR NEW.reward_id IS NOT OLD.reward_id
  OR NEW.redemption_id IS NOT OLD.redemption_id OR NEW.lot_id IS NOT OLD.lot_id
  OR (NEW.reason IS NOT OLD.reason AND NEW.reason IS NOT NULL)
  OR (NEW.cause IS NOT OLD.cause AND OLD.cause NOT LIKE 'bonus:%')
BEGIN
  SELECT RAISE(ABORT, 'ledger_append_only');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
  SELECT RAISE(ABORT, 'ledger_append_only');
END;

-- As in 0001; an import counts as earned, like an earn.
CREATE TRIGGER ledger_posts_to_member AFTER INSERT ON ledger
BEGIN
  UPDATE members
     SET balance = balance + NEW.points,
         lifetime_earned = lifetime_earned + CASE WHEN NEW.kind IN ('earn', 'refund', 'import') THEN NEW.points ELSE 0 END,
         version = version + 1
   WHERE customer_id = NEW.customer_id;
END;

-- As in 0007. An import is told by no event: a store moving in does not
-- want a webhook per member it brings.
CREATE TRIGGER ledger_event AFTER INSERT ON ledger
WHEN NEW.kind NOT IN ('redeem', 'import') AND NOT (NEW.kind = 'earn' AND NEW.cause LIKE 'pending:%')
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))),
          CASE NEW.kind WHEN 'earn' THEN 'points.earned' WHEN 'adjust' THEN 'points.adjusted'
                        WHEN 'refund' THEN 'points.reversed' ELSE 'points.expired' END,
          NEW.customer_id,
          json_patch(json_object('customer_id', NEW.customer_id, 'points', NEW.points, 'entry_id', NEW.id),
                     json_object('order_id', NEW.order_id,
                                 'reason', CASE WHEN NEW.kind = 'adjust' THEN NEW.reason END)),
          NEW.created_at);
END;

-- As in 0008.
CREATE TRIGGER redemptions_debit AFTER INSERT ON redemptions
BEGIN
  INSERT INTO ledger (customer_id, kind, points, created_at, reward_id, redemption_id, reason, cause)
  VALUES (NEW.customer_id, 'redeem', -NEW.points, NEW.created_at, NEW.reward_id, NEW.redemption_id,
          (SELECT json_extract(body, '$.name') FROM rewards WHERE reward_id = NEW.reward_id),
          'redeem:' || NEW.redemption_id);
END;

-- The hash chain over the ledger export's lines, written by the scheduled
-- job in ledger order (`loyalty_core::chain`): each link names the one
-- before, so an entry is chained only after every entry before it.
CREATE TABLE ledger_chain (
  entry_id  INTEGER PRIMARY KEY REFERENCES ledger (id),
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
) STRICT;
CREATE TRIGGER ledger_chain_in_order BEFORE INSERT ON ledger_chain
WHEN NEW.prev_hash IS NOT COALESCE((SELECT hash FROM ledger_chain ORDER BY entry_id DESC LIMIT 1),
                                   '0000000000000000000000000000000000000000000000000000000000000000')
  OR NEW.entry_id <= COALESCE((SELECT MAX(entry_id) FROM ledger_chain), 0)
BEGIN
  SELECT RAISE(ABORT, 'chain_moved');
END;
CREATE TRIGGER ledger_chain_no_update BEFORE UPDATE ON ledger_chain
BEGIN
  SELECT RAISE(ABORT, 'ledger_append_only');
END;

-- Members brought from another program, one row each: the primary key
-- makes a second import of the same member change nothing. The row's
-- trigger credits the points once, as an `import` entry (whose cause names
-- the member's key, never the customer id), and counts the lifetime points
-- earned before beyond those.
CREATE TABLE imports (
  customer_id     TEXT PRIMARY KEY,
  points          INTEGER NOT NULL CHECK (points >= 0),
  lifetime_earned INTEGER NOT NULL CHECK (lifetime_earned >= points),
  expires_at      INTEGER,
  imported_at     INTEGER NOT NULL
) STRICT;
CREATE TRIGGER imports_credit AFTER INSERT ON imports
BEGIN
  INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, cause)
  SELECT NEW.customer_id, 'import', NEW.points, NEW.imported_at, NEW.expires_at, 'import:' || member_key
    FROM members WHERE customer_id = NEW.customer_id AND NEW.points > 0;
  UPDATE members SET lifetime_earned = lifetime_earned + (NEW.lifetime_earned - NEW.points)
   WHERE customer_id = NEW.customer_id AND NEW.lifetime_earned > NEW.points;
END;

-- What an erasure and a member's export look for by member.
CREATE INDEX orders_member ON orders (customer_id);
CREATE INDEX events_member ON events (customer_id);
CREATE INDEX coupons_owner ON coupons (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX lot_closures_member ON lot_closures (customer_id);
CREATE INDEX lot_warnings_member ON lot_warnings (customer_id);

-- The member an Idempotency-Key's answer is about, so an erasure removes
-- the answers kept for a day.
ALTER TABLE idempotency ADD COLUMN customer_id TEXT;
CREATE INDEX idempotency_member ON idempotency (customer_id) WHERE customer_id IS NOT NULL;

PRAGMA defer_foreign_keys = off;
