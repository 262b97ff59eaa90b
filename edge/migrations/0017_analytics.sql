-- Analytics (shared/API.md "Analytics"; `loyalty_core::analytics`): daily
-- figures kept up to date by triggers in the very statements that write
-- the ledger, members, orders and redemptions, so a summary reads at most
-- a day's row per day of its range and never the ledger.

CREATE TABLE stats_daily (
  day                   TEXT PRIMARY KEY,             -- YYYY-MM-DD, UTC
  points_issued         INTEGER NOT NULL DEFAULT 0,   -- credits: earn, import, positive adjustments
  points_redeemed       INTEGER NOT NULL DEFAULT 0,
  points_expired        INTEGER NOT NULL DEFAULT 0,
  points_net            INTEGER NOT NULL DEFAULT 0,   -- every entry: their sum over all days is every balance
  redemptions           INTEGER NOT NULL DEFAULT 0,
  new_members           INTEGER NOT NULL DEFAULT 0,
  purchases             INTEGER NOT NULL DEFAULT 0,
  purchase_amount_minor INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- Who had a ledger entry on which day: members active in a range.
CREATE TABLE stats_active (
  day         TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  PRIMARY KEY (day, customer_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE stats_rewards (
  day         TEXT NOT NULL,
  reward_id   TEXT NOT NULL,
  redemptions INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, reward_id)
) STRICT, WITHOUT ROWID;

-- What was written before this migration.
INSERT INTO stats_daily (day, points_issued, points_redeemed, points_expired, points_net)
SELECT date(created_at, 'unixepoch'),
       SUM(CASE WHEN points > 0 AND kind IN ('earn', 'import', 'adjust') THEN points ELSE 0 END),
       SUM(CASE WHEN kind = 'redeem' THEN -points ELSE 0 END),
       SUM(CASE WHEN kind = 'expire' THEN -points ELSE 0 END),
       SUM(points)
  FROM ledger GROUP BY 1;
INSERT INTO stats_daily (day, new_members)
SELECT date(created_at, 'unixepoch'), COUNT(*) FROM members WHERE true GROUP BY 1
ON CONFLICT (day) DO UPDATE SET new_members = excluded.new_members;
INSERT INTO stats_daily (day, purchases, purchase_amount_minor)
SELECT date(created_at, 'unixepoch'), COUNT(*), SUM(amount_minor) FROM orders WHERE true GROUP BY 1
ON CONFLICT (day) DO UPDATE SET purchases = excluded.purchases, purchase_amount_minor = excluded.purchase_amount_minor;
INSERT INTO stats_daily (day, redemptions)
SELECT date(created_at, 'unixepoch'), COUNT(*) FROM redemptions WHERE true GROUP BY 1
ON CONFLICT (day) DO UPDATE SET redemptions = excluded.redemptions;
INSERT OR IGNORE INTO stats_active (day, customer_id)
SELECT DISTINCT date(created_at, 'unixepoch'), customer_id FROM ledger;
INSERT INTO stats_rewards (day, reward_id, redemptions)
SELECT date(created_at, 'unixepoch'), reward_id, COUNT(*) FROM redemptions GROUP BY 1, 2;

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

CREATE TRIGGER stats_members AFTER INSERT ON members
BEGIN
  INSERT INTO stats_daily (day, new_members) VALUES (date(NEW.created_at, 'unixepoch'), 1)
  ON CONFLICT (day) DO UPDATE SET new_members = new_members + 1;
END;

CREATE TRIGGER stats_orders AFTER INSERT ON orders
BEGIN
  INSERT INTO stats_daily (day, purchases, purchase_amount_minor)
  VALUES (date(NEW.created_at, 'unixepoch'), 1, NEW.amount_minor)
  ON CONFLICT (day) DO UPDATE SET purchases = purchases + 1,
                                  purchase_amount_minor = purchase_amount_minor + excluded.purchase_amount_minor;
END;

CREATE TRIGGER stats_redemptions AFTER INSERT ON redemptions
BEGIN
  INSERT INTO stats_daily (day, redemptions) VALUES (date(NEW.created_at, 'unixepoch'), 1)
  ON CONFLICT (day) DO UPDATE SET redemptions = redemptions + 1;
  INSERT INTO stats_rewards (day, reward_id, redemptions) VALUES (date(NEW.created_at, 'unixepoch'), NEW.reward_id, 1)
  ON CONFLICT (day, reward_id) DO UPDATE SET redemptions = redemptions + 1;
END;

-- A referrer's pending points are told as earned when they are made
-- pending (`pending_points_event`), like a purchase's: their entry, when
-- they become spendable, is not told again. As in 0012 otherwise.
DROP TRIGGER ledger_event;
CREATE TRIGGER ledger_event AFTER INSERT ON ledger
WHEN NEW.kind NOT IN ('redeem', 'import')
  AND NOT (NEW.kind = 'earn' AND (NEW.cause LIKE 'pending:%'
                                  OR EXISTS (SELECT 1 FROM pending_points p WHERE p.cause = NEW.cause)))
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
