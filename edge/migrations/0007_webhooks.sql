-- Webhooks: the endpoints a store subscribed, the outbox of events, and one
-- delivery per event and subscribed endpoint.
--
-- Events are written by triggers on the tables whose changes they report,
-- so an event is part of the very statement that makes the change: a
-- committed change always has its event, a refused or rolled-back batch
-- has neither, whichever handler wrote it. Events are written while some
-- endpoint is subscribed: an event no endpoint receives is seen by nobody
-- (deliveries are made when it is written), and a store without webhooks
-- then pays one lookup in an empty table per change, not a row. The fan-out to deliveries is a
-- trigger too. The Worker hands due deliveries to a Queue after the batch
-- (and the scheduled job sweeps up any it missed); the Queue consumer
-- signs and sends them (`loyalty_core::webhook`).

CREATE TABLE webhook_endpoints (
  webhook_id          TEXT PRIMARY KEY,
  url                 TEXT NOT NULL,
  events              TEXT NOT NULL,                 -- JSON array of event types, or ["*"]
  description         TEXT,
  secret              TEXT NOT NULL,                 -- whsec_...
  previous_secret     TEXT,                          -- still signs until previous_until
  previous_until      INTEGER,
  active              INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at          INTEGER NOT NULL
) STRICT;

CREATE TABLE events (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    TEXT NOT NULL UNIQUE,
  type        TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  data        TEXT NOT NULL,                         -- JSON object (loyalty_core::webhook::EventData)
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE deliveries (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id      TEXT NOT NULL UNIQUE,
  event_seq        INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
  webhook_id       TEXT NOT NULL REFERENCES webhook_endpoints (webhook_id) ON DELETE CASCADE,
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  first_attempt_at INTEGER,
  last_status_code INTEGER,
  last_error       TEXT,
  next_attempt_at  INTEGER NOT NULL,
  queued_at        INTEGER,                          -- last handed to the Queue
  delivered_at     INTEGER,
  created_at       INTEGER NOT NULL,
  UNIQUE (event_seq, webhook_id)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_of_endpoint ON deliveries (webhook_id, seq);

-- Every event goes to every active endpoint subscribed to its type.
CREATE TRIGGER events_fan_out AFTER INSERT ON events
BEGIN
  INSERT INTO deliveries (delivery_id, event_seq, webhook_id, next_attempt_at, created_at)
  SELECT 'dlv_' || lower(hex(randomblob(10))), NEW.seq, w.webhook_id, NEW.created_at, NEW.created_at
    FROM webhook_endpoints w
   WHERE w.active = 1
     AND EXISTS (SELECT 1 FROM json_each(w.events) e WHERE e.value IN ('*', NEW.type));
END;

-- member.created
CREATE TRIGGER members_event AFTER INSERT ON members
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))), 'member.created', NEW.customer_id,
          json_object('customer_id', NEW.customer_id), NEW.created_at);
END;

-- points.earned (purchases and bonuses without a pending period),
-- points.adjusted, points.reversed, points.expired. A redemption's debit is
-- told by reward.redeemed, with its coupon; pending points joining the
-- balance were told as points.earned when the purchase was recorded.
CREATE TRIGGER ledger_event AFTER INSERT ON ledger
WHEN NEW.kind <> 'redeem' AND NOT (NEW.kind = 'earn' AND NEW.cause LIKE 'pending:%')
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

-- points.earned for a purchase whose points are pending.
CREATE TRIGGER pending_points_event AFTER INSERT ON pending_points
WHEN NEW.points > 0 AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))), 'points.earned', NEW.customer_id,
          json_patch(json_object('customer_id', NEW.customer_id, 'points', NEW.points,
                                 'available_at', strftime('%Y-%m-%dT%H:%M:%SZ', NEW.available_at, 'unixepoch')),
                     json_object('order_id', NEW.order_id)),
          NEW.created_at);
END;

-- reward.redeemed, when the redemption's coupon is issued: a generated
-- code is inserted, a pool code is claimed. Two triggers with one body: a
-- SQLite trigger fires on one kind of statement only.
CREATE TRIGGER coupons_issued_event AFTER INSERT ON coupons
WHEN NEW.redemption_id IS NOT NULL AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  SELECT 'evt_' || lower(hex(randomblob(10))), 'reward.redeemed', r.customer_id,
         json_patch(json_object('customer_id', r.customer_id, 'points', -r.points, 'reward_id', r.reward_id,
                                'redemption_id', r.redemption_id, 'code', NEW.code),
                    json_object('expires_at', strftime('%Y-%m-%dT%H:%M:%SZ', NEW.expires_at, 'unixepoch'))),
         r.created_at
    FROM redemptions r WHERE r.redemption_id = NEW.redemption_id;
END;
CREATE TRIGGER coupons_claimed_event AFTER UPDATE OF redemption_id ON coupons
WHEN OLD.redemption_id IS NULL AND NEW.redemption_id IS NOT NULL AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  SELECT 'evt_' || lower(hex(randomblob(10))), 'reward.redeemed', r.customer_id,
         json_patch(json_object('customer_id', r.customer_id, 'points', -r.points, 'reward_id', r.reward_id,
                                'redemption_id', r.redemption_id, 'code', NEW.code),
                    json_object('expires_at', strftime('%Y-%m-%dT%H:%M:%SZ', NEW.expires_at, 'unixepoch'))),
         r.created_at
    FROM redemptions r WHERE r.redemption_id = NEW.redemption_id;
END;

-- coupon.redeemed: a code used at checkout.
CREATE TRIGGER coupons_used_event AFTER UPDATE OF used_at ON coupons
WHEN OLD.used_at IS NULL AND NEW.used_at IS NOT NULL AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))), 'coupon.redeemed', COALESCE(NEW.customer_id, ''),
          json_object('customer_id', COALESCE(NEW.customer_id, ''), 'code', NEW.code, 'reward_id', NEW.reward_id,
                      'order_id', NEW.used_order_id),
          NEW.used_at);
END;

-- tier.changed. The program's tiers are kept beside it as rows (written
-- with the program, in one batch: `program::put`), so that the trigger's
-- guard is an index range scan, not a parse of the program's JSON on every
-- change of every member: a change that crosses no threshold costs almost
-- nothing. The tier reached is core's `tier::tier_for` said in SQL (the
-- highest tier whose threshold the progress reaches); the end-to-end test
-- checks it against the tier the API reports.
CREATE TABLE tiers (
  threshold INTEGER PRIMARY KEY,
  name      TEXT NOT NULL,
  basis     TEXT NOT NULL CHECK (basis IN ('lifetime_points', 'lifetime_spend'))
) STRICT;
INSERT INTO tiers (threshold, name, basis)
SELECT json_extract(t.value, '$.threshold'), json_extract(t.value, '$.name'),
       COALESCE(json_extract(p.body, '$.tier_basis'), 'lifetime_points')
  FROM program p, json_each(p.body, '$.tiers') t WHERE p.id = 1;

CREATE TRIGGER members_tier_event AFTER UPDATE OF lifetime_earned, lifetime_spend_minor ON members
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1) AND EXISTS (SELECT 1 FROM tiers t
              WHERE t.threshold > MIN(CASE t.basis WHEN 'lifetime_spend' THEN OLD.lifetime_spend_minor ELSE OLD.lifetime_earned END,
                                      CASE t.basis WHEN 'lifetime_spend' THEN NEW.lifetime_spend_minor ELSE NEW.lifetime_earned END)
                AND t.threshold <= MAX(CASE t.basis WHEN 'lifetime_spend' THEN OLD.lifetime_spend_minor ELSE OLD.lifetime_earned END,
                                       CASE t.basis WHEN 'lifetime_spend' THEN NEW.lifetime_spend_minor ELSE NEW.lifetime_earned END))
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  SELECT 'evt_' || lower(hex(randomblob(10))), 'tier.changed', NEW.customer_id,
         json_patch(json_object('customer_id', NEW.customer_id,
                                'direction', CASE WHEN COALESCE(n.threshold, -1) > COALESCE(o.threshold, -1) THEN 'up' ELSE 'down' END),
                    json_object('from', o.name, 'to', n.name)),
         CAST(strftime('%s', 'now') AS INTEGER)
    FROM (SELECT (SELECT name FROM tiers WHERE threshold <= CASE basis WHEN 'lifetime_spend' THEN OLD.lifetime_spend_minor ELSE OLD.lifetime_earned END
                   ORDER BY threshold DESC LIMIT 1) AS name,
                 (SELECT threshold FROM tiers WHERE threshold <= CASE basis WHEN 'lifetime_spend' THEN OLD.lifetime_spend_minor ELSE OLD.lifetime_earned END
                   ORDER BY threshold DESC LIMIT 1) AS threshold) o,
         (SELECT (SELECT name FROM tiers WHERE threshold <= CASE basis WHEN 'lifetime_spend' THEN NEW.lifetime_spend_minor ELSE NEW.lifetime_earned END
                   ORDER BY threshold DESC LIMIT 1) AS name,
                 (SELECT threshold FROM tiers WHERE threshold <= CASE basis WHEN 'lifetime_spend' THEN NEW.lifetime_spend_minor ELSE NEW.lifetime_earned END
                   ORDER BY threshold DESC LIMIT 1) AS threshold) n
   WHERE o.name IS NOT n.name;
END;

-- points.expiring_soon, once per lot: the scheduled job records each lot it
-- looked at here (core decides which, and what is left of each:
-- `ledger::expiring_within`); the primary key makes a second look at the
-- same lot a no-op, and a lot already spent (0 points) is told of to nobody.
CREATE TABLE lot_warnings (
  lot_id      INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL,
  points      INTEGER NOT NULL CHECK (points >= 0),
  expires_at  INTEGER NOT NULL,
  warned_at   INTEGER NOT NULL
) STRICT;
CREATE TRIGGER lot_warnings_event AFTER INSERT ON lot_warnings
WHEN NEW.points > 0
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))), 'points.expiring_soon', NEW.customer_id,
          json_object('customer_id', NEW.customer_id, 'points', NEW.points, 'entry_id', NEW.lot_id,
                      'expires_at', strftime('%Y-%m-%dT%H:%M:%SZ', NEW.expires_at, 'unixepoch')),
          NEW.warned_at);
END;
