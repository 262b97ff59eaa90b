-- Reward orders (seed 003; shared/API.md "Reward orders";
-- `loyalty_core::reward_order`): a store sends rewards without points, by
-- PO number, as lines for one or many customers. Each reward of a line is
-- a `reward_grants` row with its coupon (as a referred friend's reward is),
-- named by a unit of the line. A line is delivered by a claim link (its
-- token, 256 random bits) or by webhook. Every change of a line's status
-- is a `reward_order.status` event, and rolls the order's status up.
CREATE TABLE reward_orders (
  order_id    TEXT PRIMARY KEY,
  po_number   TEXT NOT NULL UNIQUE,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'fulfilled', 'delivered', 'failed')),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  response    TEXT
) STRICT;

CREATE TABLE reward_order_lines (
  order_id        TEXT NOT NULL REFERENCES reward_orders (order_id),
  line_no         INTEGER NOT NULL CHECK (line_no > 0),
  reward_id       TEXT NOT NULL,
  customer_id     TEXT NOT NULL,
  quantity        INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  delivery_type   TEXT NOT NULL CHECK (delivery_type IN ('link', 'webhook')),
  email           TEXT,
  personalization TEXT,                             -- JSON object, or NULL
  status          TEXT NOT NULL CHECK (status IN ('pending', 'fulfilled', 'delivered', 'failed')),
  reason          TEXT,
  claim_token     TEXT UNIQUE,
  claimed_at      INTEGER,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (order_id, line_no),
  CHECK ((claim_token IS NULL) = (delivery_type = 'webhook')),
  CHECK ((status = 'failed') = (reason IS NOT NULL))
) STRICT;
CREATE INDEX reward_order_lines_member ON reward_order_lines (customer_id);

-- One row per reward sent: its grant (and so its coupon).
CREATE TABLE reward_order_units (
  order_id  TEXT NOT NULL,
  line_no   INTEGER NOT NULL,
  unit_no   INTEGER NOT NULL,
  grant_id  TEXT NOT NULL UNIQUE REFERENCES reward_grants (grant_id),
  PRIMARY KEY (order_id, line_no, unit_no),
  FOREIGN KEY (order_id, line_no) REFERENCES reward_order_lines (order_id, line_no)
) STRICT;

-- A line only moves forward: pending → fulfilled → delivered, or to failed.
CREATE TRIGGER reward_order_lines_forward BEFORE UPDATE OF status ON reward_order_lines
WHEN NEW.status IS NOT OLD.status
 AND NOT ((OLD.status = 'pending' AND NEW.status IN ('fulfilled', 'failed'))
       OR (OLD.status = 'fulfilled' AND NEW.status = 'delivered'))
BEGIN
  SELECT RAISE(ABORT, 'reward_order_backwards');
END;

-- The order's status from its lines' (`reward_order::order_status`):
-- failed when every line failed; else the least advanced live line's.
CREATE TRIGGER reward_order_lines_roll_up AFTER UPDATE OF status ON reward_order_lines
WHEN NEW.status IS NOT OLD.status
BEGIN
  UPDATE reward_orders
     SET status = CASE
           WHEN NOT EXISTS (SELECT 1 FROM reward_order_lines l WHERE l.order_id = NEW.order_id AND l.status <> 'failed')
             THEN 'failed'
           WHEN EXISTS (SELECT 1 FROM reward_order_lines l WHERE l.order_id = NEW.order_id AND l.status = 'pending')
             THEN 'pending'
           WHEN EXISTS (SELECT 1 FROM reward_order_lines l WHERE l.order_id = NEW.order_id AND l.status = 'fulfilled')
             THEN 'fulfilled'
           ELSE 'delivered' END,
         updated_at = NEW.updated_at
   WHERE order_id = NEW.order_id;
END;

-- reward_order.status, for each line as it is made and as it moves. A
-- webhook line's `fulfilled` carries its codes, which the store delivers.
CREATE TRIGGER reward_order_lines_made_event AFTER INSERT ON reward_order_lines
WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))), 'reward_order.status', NEW.customer_id,
          json_patch(json_object('customer_id', NEW.customer_id, 'order_id', NEW.order_id,
                                 'po_number', (SELECT po_number FROM reward_orders WHERE order_id = NEW.order_id),
                                 'line', NEW.line_no, 'status', NEW.status, 'reward_id', NEW.reward_id,
                                 'delivery', NEW.delivery_type),
                     json_object('reason', NEW.reason)),
          NEW.updated_at);
END;
CREATE TRIGGER reward_order_lines_moved_event AFTER UPDATE OF status ON reward_order_lines
WHEN NEW.status IS NOT OLD.status AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)
BEGIN
  INSERT INTO events (event_id, type, customer_id, data, created_at)
  VALUES ('evt_' || lower(hex(randomblob(10))), 'reward_order.status', NEW.customer_id,
          json_patch(json_object('customer_id', NEW.customer_id, 'order_id', NEW.order_id,
                                 'po_number', (SELECT po_number FROM reward_orders WHERE order_id = NEW.order_id),
                                 'line', NEW.line_no, 'status', NEW.status, 'reward_id', NEW.reward_id,
                                 'delivery', NEW.delivery_type),
                     json_object('reason', NEW.reason,
                                 'codes', json((SELECT json_group_array(x.code) FROM (
                                      SELECT c.code FROM reward_order_units u JOIN coupons c ON c.redemption_id = u.grant_id
                                       WHERE u.order_id = NEW.order_id AND u.line_no = NEW.line_no ORDER BY u.unit_no) x
                                    HAVING NEW.status = 'fulfilled' AND NEW.delivery_type = 'webhook')))),
          NEW.updated_at);
END;

-- A webhook line is delivered once an endpoint has taken its `fulfilled`
-- event (a 2xx): the store has the codes.
CREATE TRIGGER reward_order_webhook_taken AFTER UPDATE OF status ON deliveries
WHEN NEW.status = 'delivered' AND OLD.status IS NOT 'delivered'
BEGIN
  UPDATE reward_order_lines
     SET status = 'delivered', updated_at = COALESCE(NEW.delivered_at, updated_at)
   WHERE status = 'fulfilled' AND delivery_type = 'webhook'
     AND EXISTS (SELECT 1 FROM events e
                  WHERE e.seq = NEW.event_seq AND e.type = 'reward_order.status'
                    AND json_extract(e.data, '$.status') = 'fulfilled'
                    AND json_extract(e.data, '$.order_id') = reward_order_lines.order_id
                    AND json_extract(e.data, '$.line') = reward_order_lines.line_no);
END;
