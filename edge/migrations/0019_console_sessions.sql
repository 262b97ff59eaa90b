-- The console's sessions (`loyalty_core::session`): a sign-in with an
-- admin-scope key makes one; the browser holds its token in an HttpOnly
-- cookie and D1 only its SHA-256. A session is refused once it has
-- expired, once it is ended (sign-out), and once the key it began with is
-- revoked (`auth::server` joins `api_keys` on every request).
CREATE TABLE console_sessions (
  session_hash TEXT PRIMARY KEY,
  key_id       TEXT,                     -- NULL: the root key
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  ended_at     INTEGER,
  CHECK (expires_at > created_at)
) STRICT;

-- Expired sessions are purged by the scheduled job.
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
