-- Seed 004's transaction attributes: what a redemption says about itself
-- (a size, a gift message), checked by `reward::check_attributes` against
-- the reward's `transaction_attributes` and kept with the redemption as
-- a JSON object. Shown in the member's transactions and export; an
-- erasure clears it (it may hold what the member wrote).
ALTER TABLE redemptions ADD COLUMN attributes TEXT;
