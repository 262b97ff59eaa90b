-- A redemption debits the ledger in the statement that records it, so the
-- Worker's redemption batch is one statement shorter (the D1 binding's cost
-- is per statement) and no redemption can exist without its debit. The
-- debit's CHECK chain is unchanged: the ledger trigger moves the balance
-- and `balance_non_negative` aborts the whole batch if it cannot pay.
CREATE TRIGGER redemptions_debit AFTER INSERT ON redemptions
BEGIN
  INSERT INTO ledger (customer_id, kind, points, created_at, reward_id, redemption_id, reason, cause)
  VALUES (NEW.customer_id, 'redeem', -NEW.points, NEW.created_at, NEW.reward_id, NEW.redemption_id,
          'Redeemed: ' || (SELECT json_extract(body, '$.name') FROM rewards WHERE reward_id = NEW.reward_id),
          'redeem:' || NEW.redemption_id);
END;
