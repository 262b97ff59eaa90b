-- Scoped API keys (shared/API.md "API keys with scopes";
-- `loyalty_core::apikey`). A key is kept only as its SHA-256; revoking
-- sets `revoked_at`, and every request with a key reads its row, so a
-- revoked key is refused by the next request.
CREATE TABLE api_keys (
  key_id     TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  scopes     TEXT NOT NULL,              -- JSON array of scope names
  key_hash   TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
