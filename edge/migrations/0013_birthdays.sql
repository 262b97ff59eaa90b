-- Birthday bonuses granted by the scheduled job (`schedule::grant_birthdays`):
-- the members whose birthday falls on one of the last few days, found by
-- month and day (a stored birthday is `YYYY-MM-DD`).
CREATE INDEX members_birthday ON members (substr(birthday, 6)) WHERE birthday IS NOT NULL;
