-- A member's codes still to use (GET /v1/me/coupons), newest first,
-- without scanning every coupon of every member.
CREATE INDEX coupons_member ON coupons (customer_id, issued_at) WHERE used_at IS NULL;
