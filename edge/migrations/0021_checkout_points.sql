-- Points at checkout (shared/API.md, "Points at checkout";
-- `loyalty_core::checkout`): a single-use code worth some points for one
-- order and one customer. The points are debited when the code is made
-- (a `redeem` entry); if the code is not used within its hour the
-- scheduled job gives them back, once, as a positive `refund` entry.
--
-- Rebuilding `ledger` (its CHECK lets a `refund` entry be positive when it
-- gives a checkout code's points back) drops every trigger on it and the
-- two on other tables that write into it; all are made again below, as
-- they were, except where this migration says otherwise.
PRAGMA defer_foreign_keys = on;

DROP TRIGGER redemptions_debit;
DROP TRIGGER imports_credit;
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
  CHECK ((kind IN ('earn', 'import') AND points > 0)
      OR (kind IN ('redeem', 'expire') AND points < 0)
      OR (kind = 'refund' AND (points < 0 OR cause LIKE 'return:%'))
      OR kind = 'adjust')
) STRICT;
INSERT INTO ledger_next (id, customer_id, kind, points, created_at, expires_at, order_id, reward_id, redemption_id, lot_id, reason, cause)
SELECT id, customer_id, kind, points, created_at, expires_at, order_id, reward_id, redemption_id, lot_id, reason, cause FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_next RENAME TO ledger;
CREATE INDEX ledger_member ON ledger (customer_id, id);
CREATE INDEX ledger_expiring ON ledger (expires_at) WHERE expires_at IS NOT NULL AND points > 0;
CREATE INDEX ledger_lots ON ledger (customer_id, id) WHERE points > 0;

-- As in 0012.
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

-- As in 0012, but points given back (a positive refund) are not earned:
-- they were never taken from lifetime earned when they were spent
-- (`EntryKind::counts_as_earned`).
CREATE TRIGGER ledger_posts_to_member AFTER INSERT ON ledger
BEGIN
  UPDATE members
     SET balance = balance + NEW.points,
         lifetime_earned = lifetime_earned
           + CASE WHEN NEW.kind IN ('earn', 'import') OR (NEW.kind = 'refund' AND NEW.points < 0) THEN NEW.points ELSE 0 END,
         version = version + 1
   WHERE customer_id = NEW.customer_id;
END;

-- As in 0017: points given back are neither issued nor redeemed; they
-- count in the net, so outstanding points stay every balance's sum.
CREATE TRIGGER stats_ledger AFTER INSERT ON ledger
BEGIN
  INSERT INTO stats_daily (day, points_issued, points_redeemed, points_expired, points_net)
  VALUES (date(NEW.created_at, 'unixepoch'),
          CASE WHEN NEW.points > 0 AND NEW.kind IN ('earn', 'import', 'adjust') THEN NEW.points ELSE 0 END,
          CASE WHEN NEW.kind = 'redeem' THEN -NEW.points ELSE 0 END,
          CASE WHEN NEW.kind = 'expire' THEN -NEW.points ELSE 0 END,
          NEW.points)
  ON CONFLICT (day) DO UPDATE
     SET points_issued = points_issued + excluded.points_issued,
         points_redeemed = points_redeemed + excluded.points_redeemed,
         points_expired = points_expired + excluded.points_expired,
         points_net = points_net + excluded.points_net;
  INSERT INTO stats_active (day, customer_id) VALUES (date(NEW.created_at, 'unixepoch'), NEW.customer_id)
  ON CONFLICT DO NOTHING;
END;

-- As in 0017; points given back are `points.returned`, with the code in
-- `reason`.
CREATE TRIGGER ledger_event AFTER INSERT ON ledger
WHEN NEW.kind NOT IN ('redeem', 'import')
  AND NOT (NEW.kind = 'earn' AND (NEW.cause LIKE 'pending:%'
                                  OR EXISTS (SELECT 1 FROM pending_points p WHERE p.cause = NEW.cause)))
  AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))),
          CASE WHEN NEW.kind = 'earn' THEN 'points.earned' WHEN NEW.kind = 'adjust' THEN 'points.adjusted'
               WHEN NEW.kind = 'refund' AND NEW.points > 0 THEN 'points.returned'
               WHEN NEW.kind = 'refund' THEN 'points.reversed' ELSE 'points.expired' END,
          NEW.customer_id,
          json_patch(json_object('customer_id', NEW.customer_id, 'points', NEW.points, 'entry_id', NEW.id),
                     json_object('order_id', NEW.order_id,
                                 'reason', CASE WHEN NEW.kind = 'adjust' OR NEW.points > 0 AND NEW.kind = 'refund'
                                                THEN NEW.reason END)),
          NEW.created_at);
END;

-- As in 0012.
CREATE TRIGGER redemptions_debit AFTER INSERT ON redemptions
BEGIN
  INSERT INTO ledger (customer_id, kind, points, created_at, reward_id, redemption_id, reason, cause)
  VALUES (NEW.customer_id, 'redeem', -NEW.points, NEW.created_at, NEW.reward_id, NEW.redemption_id,
          (SELECT json_extract(body, '$.name') FROM rewards WHERE reward_id = NEW.reward_id),
          'redeem:' || NEW.redemption_id);
END;

-- As in 0012.
CREATE TRIGGER imports_credit AFTER INSERT ON imports
BEGIN
  INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, cause)
  SELECT NEW.customer_id, 'import', NEW.points, NEW.imported_at, NEW.expires_at, 'import:' || member_key
    FROM members WHERE customer_id = NEW.customer_id AND NEW.points > 0;
  UPDATE members SET lifetime_earned = lifetime_earned + (NEW.lifetime_earned - NEW.points)
   WHERE customer_id = NEW.customer_id AND NEW.lifetime_earned > NEW.points;
END;

-- The codes. One live code per order (a second request for the same
-- order answers the first); once its points are back the order may ask
-- again. `used_at` and `returned_at` exclude each other: the use and the
-- return are each an UPDATE guarded on both being NULL, so whichever
-- comes first wins and the other changes nothing.
CREATE TABLE checkout_codes (
  code               TEXT PRIMARY KEY,
  customer_id        TEXT NOT NULL,
  order_id           TEXT NOT NULL,
  points             INTEGER NOT NULL CHECK (points > 0),
  amount_minor       INTEGER NOT NULL CHECK (amount_minor > 0),
  currency           TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL,
  -- When points given back expire (the program's expiry, counted from
  -- when the code was made), if they do.
  returns_expire_at  INTEGER,
  used_at            INTEGER,
  used_order_id      TEXT,
  returned_at        INTEGER,
  response           TEXT,
  CHECK (used_at IS NULL OR returned_at IS NULL),
  CHECK ((used_at IS NULL) = (used_order_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX checkout_codes_order ON checkout_codes (order_id) WHERE returned_at IS NULL;
CREATE INDEX checkout_codes_due ON checkout_codes (expires_at) WHERE used_at IS NULL AND returned_at IS NULL;
CREATE INDEX checkout_codes_member ON checkout_codes (customer_id);

-- Making a code debits its points in the same statement; the balance's
-- CHECK aborts the batch if the member cannot pay.
CREATE TRIGGER checkout_codes_debit AFTER INSERT ON checkout_codes
BEGIN
  INSERT INTO ledger (customer_id, kind, points, created_at, order_id, reason, cause)
  VALUES (NEW.customer_id, 'redeem', -NEW.points, NEW.created_at, NEW.order_id,
          NEW.code, 'checkout:' || NEW.code);
END;

-- Giving the points back is the update that marks the code returned; the
-- entry's cause is unique, so they come back once whatever retries.
CREATE TRIGGER checkout_codes_return AFTER UPDATE OF returned_at ON checkout_codes
WHEN OLD.returned_at IS NULL AND NEW.returned_at IS NOT NULL
BEGIN
  INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, order_id, reason, cause)
  VALUES (NEW.customer_id, 'refund', NEW.points, NEW.returned_at, NEW.returns_expire_at, NEW.order_id,
          NEW.code, 'return:' || NEW.code);
END;

-- A code never changes but to be used or returned, once.
CREATE TRIGGER checkout_codes_kept BEFORE UPDATE ON checkout_codes
WHEN NEW.code IS NOT OLD.code OR NEW.points IS NOT OLD.points OR NEW.amount_minor IS NOT OLD.amount_minor
  OR NEW.order_id IS NOT OLD.order_id
  OR (OLD.used_at IS NOT NULL AND NEW.used_at IS NOT OLD.used_at)
  OR (OLD.returned_at IS NOT NULL AND NEW.returned_at IS NOT OLD.returned_at)
BEGIN
  SELECT RAISE(ABORT, 'checkout_code_kept');
END;

-- coupon.redeemed, as for a reward's coupon (0007), without a reward.
CREATE TRIGGER checkout_codes_used_event AFTER UPDATE OF used_at ON checkout_codes
WHEN OLD.used_at IS NULL AND NEW.used_at IS NOT NULL AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))), 'coupon.redeemed', NEW.customer_id,
          json_object('customer_id', NEW.customer_id, 'code', NEW.code, 'order_id', NEW.used_order_id),
          NEW.used_at);
END;
