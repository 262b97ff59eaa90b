-- Loyalty Edge schema. The invariants of shared/API.md are enforced here, by
-- constraints and triggers, so that no interleaving of Worker requests can
-- break them; the Worker's own checks only explain refusals early.

-- Members. `balance` and `lifetime_earned` are maintained only by the ledger
-- trigger below (never written by the Worker), so balance = Σ ledger always.
CREATE TABLE members (
  customer_id          TEXT PRIMARY KEY,
  email                TEXT,
  name                 TEXT,
  tags                 TEXT NOT NULL DEFAULT '[]',
  enrolled_at          TEXT NOT NULL,
  birthday             TEXT,
  balance              INTEGER NOT NULL DEFAULT 0 CONSTRAINT balance_non_negative CHECK (balance >= 0),
  lifetime_earned      INTEGER NOT NULL DEFAULT 0,
  lifetime_spend_minor INTEGER NOT NULL DEFAULT 0,
  version              INTEGER NOT NULL DEFAULT 0,
  created_at           INTEGER NOT NULL
) STRICT;

-- The append-only ledger. `cause` names what produced an entry
-- (order:<id>, redeem:<id>, expire:<lot>, …); its uniqueness makes every
-- retry of the same cause a no-op instead of a second entry.
CREATE TABLE ledger (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id   TEXT NOT NULL REFERENCES members (customer_id),
  kind          TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'refund', 'adjust', 'expire')),
  points        INTEGER NOT NULL CHECK (points <> 0),
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER,
  order_id      TEXT,
  reward_id     TEXT,
  redemption_id TEXT,
  lot_id        INTEGER,
  reason        TEXT,
  cause         TEXT NOT NULL UNIQUE,
  CHECK ((kind = 'earn' AND points > 0) OR (kind IN ('redeem', 'refund', 'expire') AND points < 0) OR kind = 'adjust')
) STRICT;
CREATE INDEX ledger_member ON ledger (customer_id, id);
CREATE INDEX ledger_expiring ON ledger (expires_at) WHERE expires_at IS NOT NULL AND points > 0;

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger_append_only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger_append_only'); END;

-- Posting an entry moves the balance in the same statement; the CHECK on
-- members.balance then aborts the whole D1 batch if it would go negative.
CREATE TRIGGER ledger_posts_to_member AFTER INSERT ON ledger
BEGIN
  UPDATE members
     SET balance = balance + NEW.points,
         lifetime_earned = lifetime_earned + CASE WHEN NEW.kind IN ('earn', 'refund') THEN NEW.points ELSE 0 END,
         version = version + 1
   WHERE customer_id = NEW.customer_id;
END;

-- Earned points inside the pending period. They join the ledger (as an
-- `earn` with cause pending:<id>) when they become available.
CREATE TABLE pending_points (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  customer_id  TEXT NOT NULL REFERENCES members (customer_id),
  order_id     TEXT,
  points       INTEGER NOT NULL CHECK (points >= 0),
  available_at INTEGER NOT NULL,
  expires_at   INTEGER,
  created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX pending_member ON pending_points (customer_id);
CREATE INDEX pending_due ON pending_points (available_at);
CREATE UNIQUE INDEX pending_order ON pending_points (order_id) WHERE order_id IS NOT NULL;

-- Lots looked at by the expiry job. The guard makes the job's write fail if
-- the member's ledger moved since the job read it (optimistic concurrency).
CREATE TABLE lot_closures (
  lot_id           INTEGER PRIMARY KEY,
  customer_id      TEXT NOT NULL,
  expected_version INTEGER NOT NULL,
  points           INTEGER NOT NULL,
  closed_at        INTEGER NOT NULL
) STRICT;
CREATE TRIGGER lot_closures_guard BEFORE INSERT ON lot_closures
WHEN (SELECT version FROM members WHERE customer_id = NEW.customer_id) IS NOT NEW.expected_version
BEGIN SELECT RAISE(ABORT, 'stale_member'); END;

-- Purchases, unique by order_id: a retried purchase event cannot earn twice.
CREATE TABLE orders (
  order_id            TEXT PRIMARY KEY,
  customer_id         TEXT NOT NULL REFERENCES members (customer_id),
  amount_minor        INTEGER NOT NULL CHECK (amount_minor > 0),
  currency            TEXT NOT NULL,
  points_earned       INTEGER NOT NULL CHECK (points_earned >= 0),
  occurred_at         INTEGER NOT NULL,
  created_at          INTEGER NOT NULL,
  refunded_minor      INTEGER NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
  points_reversed_due INTEGER NOT NULL DEFAULT 0 CHECK (points_reversed_due <= points_earned),
  response            TEXT
) STRICT;

-- Refunds, numbered per order: two refunds racing for the same number
-- cannot both land, so each is computed from the state it really follows.
CREATE TABLE refunds (
  order_id     TEXT NOT NULL REFERENCES orders (order_id),
  seq          INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  points_due   INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  response     TEXT,
  PRIMARY KEY (order_id, seq)
) STRICT;

-- Bonus claims, numbered per member and event: caps hold under races.
CREATE TABLE bonus_claims (
  customer_id TEXT NOT NULL,
  event       TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  event_id    TEXT,
  year        INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  response    TEXT,
  PRIMARY KEY (customer_id, event, seq)
) STRICT;
CREATE UNIQUE INDEX bonus_claims_event_id ON bonus_claims (event, event_id) WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX bonus_claims_birthday_year ON bonus_claims (customer_id, year) WHERE event = 'birthday';

-- The program (one row). KV holds a read snapshot; this is the truth.
CREATE TABLE program (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  body       TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- The rewards catalog. The columns duplicated out of `body` are the ones
-- the triggers need to guard redemptions.
CREATE TABLE rewards (
  reward_id        TEXT PRIMARY KEY,
  body             TEXT NOT NULL,
  active           INTEGER NOT NULL,
  points_cost      INTEGER NOT NULL CHECK (points_cost > 0),
  per_member_limit INTEGER,
  total_limit      INTEGER,
  pool_only        INTEGER NOT NULL DEFAULT 0,
  redeemed_count   INTEGER NOT NULL DEFAULT 0,
  updated_at       INTEGER NOT NULL
) STRICT;

CREATE TABLE redemptions (
  redemption_id TEXT PRIMARY KEY,
  customer_id   TEXT NOT NULL REFERENCES members (customer_id),
  reward_id     TEXT NOT NULL REFERENCES rewards (reward_id),
  points        INTEGER NOT NULL CHECK (points > 0),
  created_at    INTEGER NOT NULL,
  response      TEXT
) STRICT;
CREATE INDEX redemptions_member ON redemptions (customer_id, reward_id);

-- Limits, availability and the pool are checked inside the redemption's
-- own transaction, where no other write can interleave.
CREATE TRIGGER redemptions_guard BEFORE INSERT ON redemptions
BEGIN
  SELECT RAISE(ABORT, 'reward_inactive')
   WHERE NOT EXISTS (SELECT 1 FROM rewards WHERE reward_id = NEW.reward_id AND active = 1);
  SELECT RAISE(ABORT, 'per_member_limit')
   WHERE (SELECT per_member_limit FROM rewards WHERE reward_id = NEW.reward_id)
         <= (SELECT COUNT(*) FROM redemptions WHERE reward_id = NEW.reward_id AND customer_id = NEW.customer_id);
  SELECT RAISE(ABORT, 'total_limit')
   WHERE (SELECT total_limit FROM rewards WHERE reward_id = NEW.reward_id)
         <= (SELECT redeemed_count FROM rewards WHERE reward_id = NEW.reward_id);
  SELECT RAISE(ABORT, 'pool_empty')
   WHERE (SELECT pool_only FROM rewards WHERE reward_id = NEW.reward_id) = 1
     AND NOT EXISTS (SELECT 1 FROM coupons WHERE reward_id = NEW.reward_id AND pooled = 1 AND redemption_id IS NULL);
END;
CREATE TRIGGER redemptions_count AFTER INSERT ON redemptions
BEGIN
  UPDATE rewards SET redeemed_count = redeemed_count + 1 WHERE reward_id = NEW.reward_id;
END;

-- Coupons: generated at redemption, or pre-made in a reward's pool and
-- claimed by one redemption (redemption_id UNIQUE). The discount is
-- snapshotted at issue so later catalog edits do not change issued codes.
CREATE TABLE coupons (
  code            TEXT PRIMARY KEY,
  reward_id       TEXT NOT NULL REFERENCES rewards (reward_id),
  pooled          INTEGER NOT NULL,
  redemption_id   TEXT UNIQUE,
  customer_id     TEXT,
  issued_at       INTEGER,
  expires_at      INTEGER,
  min_order_minor INTEGER NOT NULL DEFAULT 0,
  kind            TEXT,
  discount        TEXT,
  used_at         INTEGER,
  used_order_id   TEXT,
  created_at      INTEGER NOT NULL,
  CHECK ((used_at IS NULL) = (used_order_id IS NULL)),
  CHECK (used_at IS NULL OR redemption_id IS NOT NULL)
) STRICT;
CREATE INDEX coupons_pool ON coupons (reward_id, pooled, redemption_id);

-- Idempotency-Key records: reserved inside the request's own batch (so two
-- racing requests with one key cannot both write), answered after it.
CREATE TABLE idempotency (
  scope      TEXT NOT NULL,
  key        TEXT NOT NULL,
  body_hash  TEXT NOT NULL,
  status     INTEGER,
  response   TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) STRICT;
