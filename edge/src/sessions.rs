//! `/v1/session`: the console's sign-in, who is signed in, and sign-out.
//! The key given at sign-in is checked and forgotten; the browser keeps a
//! session token in an HttpOnly cookie (`loyalty_core::session`) and D1
//! its hash. `auth::server` accepts the cookie on server routes while the
//! session is neither expired, ended nor made with a key since revoked.

use loyalty_core::apikey::{self, Scope};
use loyalty_core::session;
use loyalty_core::token;
use loyalty_core::wire::{ConsoleSession, SessionEnded, SessionRequest};
use loyalty_core::Timestamp;
use serde::Deserialize;

use crate::args;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::http::{fill_random, Ctx, Reply};

/// The id and name the root key signs in under.
const ROOT_ID: &str = "root";
const ROOT_NAME: &str = "Root key";

#[derive(Deserialize)]
struct KeyRow {
    key_id: String,
    name: String,
    scopes: String,
}

/// `POST /v1/session`: an admin-scope key → 201 and the session cookie.
pub async fn sign_in(ctx: &mut Ctx) -> Result<Reply> {
    let (req, _): (SessionRequest, _) = ctx.json().await?;
    let key = req.key.trim();
    let db = ctx.db()?;
    let (key_id, name) = if token::secrets_equal(key.as_bytes(), ctx.config()?.api_key.as_bytes()) {
        (None, ROOT_NAME.to_owned())
    } else {
        let row: Option<KeyRow> = if key.starts_with(apikey::KEY_PREFIX) {
            db.first(
                "SELECT key_id, name, scopes FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
                args![apikey::hash(key)],
            )
            .await?
        } else {
            None
        };
        let row = row.ok_or_else(|| Error::Unauthorized("invalid API key".into()))?;
        let scopes: Vec<Scope> = serde_json::from_str(&row.scopes)?;
        if !apikey::grants(&scopes, Scope::Admin) {
            return Err(Error::Forbidden("the console needs a key with the admin scope".into()));
        }
        (Some(row.key_id), row.name)
    };
    let token = session::new_token(&mut fill_random);
    let expires_at = session::expires_at(ctx.now);
    db.batch(vec![db.stmt(
        "INSERT INTO console_sessions (session_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        args![session::hash(&token), key_id.as_deref(), ctx.now.0, expires_at.0],
    )?])
    .await?;
    let answer = ConsoleSession { key_id: key_id.unwrap_or_else(|| ROOT_ID.into()), name, expires_at };
    Ok(Reply::json(201, &answer)?.with_cookie(session::set_cookie(&token, &ctx.host)))
}

#[derive(Deserialize)]
struct SessionRow {
    key_id: Option<String>,
    name: Option<String>,
    expires_at: i64,
}

/// The live session of `token`: not expired, not ended, its key not revoked.
pub async fn live(db: &Db, token: &str, now: Timestamp) -> Result<Option<ConsoleSession>> {
    let row: Option<SessionRow> = db
        .first(
            "SELECT s.key_id, k.name, s.expires_at FROM console_sessions s
               LEFT JOIN api_keys k ON k.key_id = s.key_id
              WHERE s.session_hash = ? AND s.ended_at IS NULL AND s.expires_at > ?
                AND (s.key_id IS NULL OR (k.key_id IS NOT NULL AND k.revoked_at IS NULL))",
            args![session::hash(token), now.0],
        )
        .await?;
    Ok(row.map(|r| ConsoleSession {
        name: r.name.unwrap_or_else(|| ROOT_NAME.into()),
        key_id: r.key_id.unwrap_or_else(|| ROOT_ID.into()),
        expires_at: Timestamp(r.expires_at),
    }))
}

/// The session cookie's token, when the request carries one.
pub fn token_of(ctx: &Ctx) -> Option<String> {
    ctx.header("cookie").and_then(|h| session::from_cookie_header(&h).map(str::to_owned))
}

/// `GET /v1/session`: who is signed in, or 401.
pub async fn current(ctx: &mut Ctx) -> Result<Reply> {
    let token = token_of(ctx).ok_or_else(|| Error::Unauthorized("not signed in".into()))?;
    let found = live(&ctx.db()?, &token, ctx.now).await?;
    let s = found.ok_or_else(|| Error::Unauthorized("the session has ended; sign in again".into()))?;
    Reply::json(200, &s)
}

/// `DELETE /v1/session`: ends the session in D1 (the cookie is refused
/// from now on, wherever a copy of it is) and removes the cookie.
pub async fn sign_out(ctx: &mut Ctx) -> Result<Reply> {
    let token = token_of(ctx).ok_or_else(|| Error::Unauthorized("not signed in".into()))?;
    let db = ctx.db()?;
    db.batch(vec![db.stmt(
        "UPDATE console_sessions SET ended_at = ? WHERE session_hash = ? AND ended_at IS NULL",
        args![ctx.now.0, session::hash(&token)],
    )?])
    .await?;
    Ok(Reply::json(200, &SessionEnded { ended: true })?.with_cookie(session::clear_cookie(&ctx.host)))
}

/// Forgets sessions a day past their end (the scheduled job).
pub async fn purge(db: &Db, now: Timestamp) -> Result<()> {
    db.stmt("DELETE FROM console_sessions WHERE expires_at <= ?", args![now.0 - 86_400])?.run().await?;
    Ok(())
}
