-- Tiers over a window (shared/API.md "Tiers over a window";
-- `loyalty_core::tier::windowed`) and entry rewards.
--
-- `tier_progress` is what counts toward tiers in the window: the
-- scheduled job recomputes it (from the ledger, or the orders for a spend
-- basis) and, between its runs, it moves as the lifetime figures move, so
-- a member goes up at once. `tier_held` and `tier_below_since` are what
-- core keeps of the tier through its grace; `tier_reviewed` is the
-- member's `version` the job last looked at (for entry rewards and moves).
ALTER TABLE members ADD COLUMN tier_held TEXT;
ALTER TABLE members ADD COLUMN tier_below_since INTEGER;
ALTER TABLE members ADD COLUMN tier_progress INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN tier_reviewed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN tier_reviewed_at INTEGER;
-- Members changed since the job last looked at them, and by when it did.
CREATE INDEX members_tier_changed ON members (customer_id) WHERE version <> tier_reviewed;
CREATE INDEX members_tier_reviewed_at ON members (tier_reviewed_at, customer_id);

ALTER TABLE tiers ADD COLUMN tier_window TEXT NOT NULL DEFAULT 'lifetime';
UPDATE tiers SET tier_window = COALESCE((SELECT json_extract(body, '$.tier_window') FROM program WHERE id = 1), 'lifetime');

CREATE TRIGGER members_tier_progress AFTER UPDATE OF lifetime_earned, lifetime_spend_minor ON members
WHEN EXISTS (SELECT 1 FROM tiers WHERE tier_window <> 'lifetime')
BEGIN
  UPDATE members
     SET tier_progress = tier_progress
           + (SELECT CASE basis WHEN 'lifetime_spend' THEN NEW.lifetime_spend_minor - OLD.lifetime_spend_minor
                                ELSE NEW.lifetime_earned - OLD.lifetime_earned END
                FROM tiers LIMIT 1)
   WHERE customer_id = NEW.customer_id;
END;

-- With a window, the scheduled job tells of tier moves (a move is its
-- decision, after the grace); this trigger only tells of lifetime ones.
-- As in 0007 otherwise.
DROP TRIGGER members_tier_event;
CREATE TRIGGER members_tier_event AFTER UPDATE OF lifetime_earned, lifetime_spend_minor ON members
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
  AND NOT EXISTS (SELECT 1 FROM tiers WHERE tier_window <> 'lifetime')
  AND EXISTS (SELECT 1 FROM tiers t
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
