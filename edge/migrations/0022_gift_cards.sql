-- Store gift cards (shared/API.md, kind `gift_card`): redeeming such a
-- reward issues a coupon row as any reward does; these triggers give the
-- code a balance, whichever way it was issued (generated, a pool code
-- claimed, a reward granted). Checkout debits it in parts, once per order;
-- the balance's CHECK makes a debit the card cannot pay abort its batch,
-- so racing debits can never take it below zero.
CREATE TABLE gift_cards (
  code          TEXT PRIMARY KEY REFERENCES coupons (code),
  reward_id     TEXT NOT NULL,
  customer_id   TEXT NOT NULL,
  currency      TEXT NOT NULL,
  initial_minor INTEGER NOT NULL CHECK (initial_minor > 0),
  balance_minor INTEGER NOT NULL CONSTRAINT gift_card_funds CHECK (balance_minor >= 0),
  issued_at     INTEGER NOT NULL,
  expires_at    INTEGER
) STRICT;
CREATE INDEX gift_cards_member ON gift_cards (customer_id);

CREATE TRIGGER coupons_gift_card_issued AFTER INSERT ON coupons
WHEN NEW.kind = 'gift_card' AND NEW.redemption_id IS NOT NULL
BEGIN
  INSERT INTO gift_cards (code, reward_id, customer_id, currency, initial_minor, balance_minor, issued_at, expires_at)
  VALUES (NEW.code, NEW.reward_id, NEW.customer_id, json_extract(NEW.discount, '$.currency'),
          json_extract(NEW.discount, '$.amount_minor'), json_extract(NEW.discount, '$.amount_minor'),
          NEW.issued_at, NEW.expires_at);
END;
CREATE TRIGGER coupons_gift_card_claimed AFTER UPDATE OF redemption_id ON coupons
WHEN NEW.kind = 'gift_card' AND OLD.redemption_id IS NULL AND NEW.redemption_id IS NOT NULL
BEGIN
  INSERT INTO gift_cards (code, reward_id, customer_id, currency, initial_minor, balance_minor, issued_at, expires_at)
  VALUES (NEW.code, NEW.reward_id, NEW.customer_id, json_extract(NEW.discount, '$.currency'),
          json_extract(NEW.discount, '$.amount_minor'), json_extract(NEW.discount, '$.amount_minor'),
          NEW.issued_at, NEW.expires_at);
END;

-- Debits, one per card and order (`debit_id` = code:order_id, the
-- request's own name: a retry answers the first debit from `response`).
CREATE TABLE gift_card_debits (
  debit_id     TEXT PRIMARY KEY,
  code         TEXT NOT NULL REFERENCES gift_cards (code),
  order_id     TEXT NOT NULL,
  amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
  created_at   INTEGER NOT NULL,
  response     TEXT
) STRICT;
CREATE INDEX gift_card_debits_card ON gift_card_debits (code, created_at);

CREATE TRIGGER gift_card_debits_apply AFTER INSERT ON gift_card_debits
BEGIN
  UPDATE gift_cards SET balance_minor = balance_minor - NEW.amount_minor WHERE code = NEW.code;
END;
CREATE TRIGGER gift_card_debits_kept BEFORE UPDATE OF debit_id, code, order_id, amount_minor, created_at ON gift_card_debits
BEGIN
  SELECT RAISE(ABORT, 'gift_card_debit_kept');
END;
