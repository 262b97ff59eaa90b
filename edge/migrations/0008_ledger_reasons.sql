-- The ledger's `reason` holds data, not sentences: the merchant's words for
-- an adjustment and the reward's name, as redeemed, for a redemption. Every
-- other entry's line is worded by core at read time from its kind, cause
-- and order (`members::TransactionRow::line`), in the reader's language.
-- Entries written before this migration keep their English reasons, which
-- the reader still understands ("Redeemed: NAME").
DROP TRIGGER redemptions_debit;
CREATE TRIGGER redemptions_debit AFTER INSERT ON redemptions
BEGIN
  INSERT INTO ledger (customer_id, kind, points, created_at, reward_id, redemption_id, reason, cause)
  VALUES (NEW.customer_id, 'redeem', -NEW.points, NEW.created_at, NEW.reward_id, NEW.redemption_id,
          (SELECT json_extract(body, '$.name') FROM rewards WHERE reward_id = NEW.reward_id),
          'redeem:' || NEW.redemption_id);
END;
