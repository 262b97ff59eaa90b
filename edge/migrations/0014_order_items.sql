-- The items of a purchase sent with `items` (`loyalty_core::items`): what
-- each earned and how much of it refunds took, so a refund of some items
-- takes back what those items earned. What no item covers (shipping,
-- taxes) is the order's amount less its items', and earns nothing.
--
-- The checks are the last line of defence of what core decides: a line is
-- never refunded past its amount, and a sku is on an order once.
CREATE TABLE order_items (
  order_id       TEXT NOT NULL REFERENCES orders (order_id),
  line           INTEGER NOT NULL CHECK (line >= 0),
  sku            TEXT NOT NULL,
  category       TEXT,
  quantity       INTEGER NOT NULL CHECK (quantity >= 1),
  amount_minor   INTEGER NOT NULL CHECK (amount_minor >= 0),
  points         INTEGER NOT NULL CHECK (points >= 0),
  refunded_minor INTEGER NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
  PRIMARY KEY (order_id, line),
  UNIQUE (order_id, sku)
) STRICT;
