-- Every figure a member carries stays within ±(2^53 - 1), the integers
-- JavaScript (D1's driver, the widget, a store's checkout) holds exactly:
-- a request that would take one past it is refused (400) and writes
-- nothing, instead of storing a number no later read can handle.
CREATE TRIGGER members_within_safe_integers BEFORE UPDATE ON members
WHEN NEW.balance > 9007199254740991
  OR NEW.lifetime_earned NOT BETWEEN -9007199254740991 AND 9007199254740991
  OR NEW.lifetime_spend_minor > 9007199254740991
BEGIN
  SELECT RAISE(ABORT, 'number_out_of_range');
END;
