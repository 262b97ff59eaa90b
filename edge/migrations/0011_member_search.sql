-- Finding members (`GET /v1/members?q=`, `loyalty_core::search`): a
-- customer id prefix is a range of the primary key; an e-mail is looked up
-- without case in its own index; a tag in `member_tags`, one row per tag
-- and member, kept by the trigger below whenever a member's tags change.
-- The trigger names the `tags` column, so the writes of the ledger and of
-- orders (which never set tags) do not compile it.
CREATE INDEX members_email ON members (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE member_tags (
  tag         TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  PRIMARY KEY (tag, customer_id)
) STRICT, WITHOUT ROWID;

INSERT OR IGNORE INTO member_tags (tag, customer_id)
SELECT t.value, m.customer_id FROM members m, json_each(m.tags) t;

CREATE TRIGGER members_tags_indexed AFTER UPDATE OF tags ON members
WHEN NEW.tags IS NOT OLD.tags
BEGIN
  DELETE FROM member_tags WHERE customer_id = NEW.customer_id;
  INSERT OR IGNORE INTO member_tags (tag, customer_id) SELECT value, NEW.customer_id FROM json_each(NEW.tags);
END;
