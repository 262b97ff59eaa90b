-- Referrals (shared/API.md "Referrals"; the rules are `loyalty_core::referral`).
--
-- A member's code is made on first ask and never changes. A friend signs up
-- through it once: `UNIQUE (friend_id)` (and the e-mail's index) refuse a
-- second referral of the same friend even when twenty race, and the guard
-- re-checks inside the write what core checked on its read.

CREATE TABLE referral_codes (
  code        TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL UNIQUE REFERENCES members (customer_id),
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE referrals (
  referral_id  TEXT PRIMARY KEY,
  code         TEXT NOT NULL,
  referrer_id  TEXT NOT NULL REFERENCES members (customer_id),
  friend_id    TEXT NOT NULL UNIQUE REFERENCES members (customer_id),
  -- Lower-cased and trimmed, as the guard compares it.
  friend_email TEXT,
  status       TEXT NOT NULL DEFAULT 'signed_up' CHECK (status IN ('signed_up', 'completed', 'cancelled')),
  -- The friend's order that completed it, and the referrer's points for it.
  order_id     TEXT UNIQUE,
  points       INTEGER CHECK (points >= 0),
  coupon_code  TEXT,
  created_at   INTEGER NOT NULL,
  completed_at INTEGER,
  CHECK ((status = 'signed_up') = (order_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX referrals_friend_email ON referrals (friend_email) WHERE friend_email IS NOT NULL;
CREATE INDEX referrals_referrer ON referrals (referrer_id, status);

CREATE TRIGGER referrals_guard BEFORE INSERT ON referrals
BEGIN
  SELECT RAISE(ABORT, 'referral_invalid:own_code')
   WHERE NEW.friend_id = NEW.referrer_id
      OR (NEW.friend_email IS NOT NULL
          AND NEW.friend_email = (SELECT lower(trim(email)) FROM members WHERE customer_id = NEW.referrer_id));
  SELECT RAISE(ABORT, 'referral_invalid:already_referred')
   WHERE EXISTS (SELECT 1 FROM referrals WHERE friend_id = NEW.friend_id)
      OR (NEW.friend_email IS NOT NULL AND EXISTS (SELECT 1 FROM referrals WHERE friend_email = NEW.friend_email));
  SELECT RAISE(ABORT, 'referral_invalid:already_customer')
   WHERE EXISTS (SELECT 1 FROM orders WHERE customer_id = NEW.friend_id);
END;

-- referral.completed: the friend's first qualifying order, in its batch.
CREATE TRIGGER referrals_completed_event AFTER UPDATE OF status ON referrals
WHEN OLD.status = 'signed_up' AND NEW.status = 'completed' AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))), 'referral.completed', NEW.referrer_id,
          json_object('customer_id', NEW.referrer_id, 'referral_id', NEW.referral_id,
                      'friend_customer_id', NEW.friend_id, 'order_id', NEW.order_id, 'points', NEW.points),
          NEW.completed_at);
END;

-- Rewards given free rather than redeemed for points (the friend's reward;
-- later, tiers' entry rewards): once per cause. Their coupon names the
-- grant where a redeemed one names its redemption.
CREATE TABLE reward_grants (
  grant_id    TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL REFERENCES members (customer_id),
  reward_id   TEXT NOT NULL REFERENCES rewards (reward_id),
  cause       TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX reward_grants_member ON reward_grants (customer_id);

-- Pending points that are not an order's (the referrer's) name the cause
-- their ledger entry takes when they become spendable; an order's keep
-- `pending:<id>`.
ALTER TABLE pending_points ADD COLUMN cause TEXT;
CREATE UNIQUE INDEX pending_cause ON pending_points (cause) WHERE cause IS NOT NULL;
