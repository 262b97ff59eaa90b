//! `/v1/api-keys`: scoped keys made, listed and revoked with the admin
//! scope. A key is shown once, in its creation's answer, and kept only as
//! its hash (`loyalty_core::apikey`); `auth::server` reads a key's row on
//! every request, so a revoked key is refused by the next one.
//!
//! The creation does not go through the write path's Idempotency-Key:
//! its stored answer would hold the key in plain for a day. A retried
//! creation makes a second key; the first is listed and can be revoked.

use loyalty_core::apikey::{self, Scope};
use loyalty_core::ids::check_id;
use loyalty_core::wire::{ApiKeyCreated, ApiKeyList, ApiKeyRequest, ApiKeyRevoked, ApiKeyView};
use loyalty_core::Timestamp;
use serde::Deserialize;

use crate::args;
use crate::db::changes;
use crate::error::{Error, Result};
use crate::http::{fill_random, random_id, Ctx, Reply};

/// `POST /v1/api-keys`.
pub async fn create(ctx: &mut Ctx) -> Result<Reply> {
    let (req, _): (ApiKeyRequest, _) = ctx.json().await?;
    apikey::check(&req.name, &req.scopes)?;
    let key = apikey::new_key(&mut fill_random);
    let view = ApiKeyView {
        key_id: random_id("key"),
        name: req.name.trim().to_owned(),
        scopes: req.scopes,
        created_at: ctx.now,
    };
    let db = ctx.db()?;
    db.batch(vec![db.stmt(
        "INSERT INTO api_keys (key_id, name, scopes, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
        args![&view.key_id, &view.name, serde_json::to_string(&view.scopes)?, apikey::hash(&key), view.created_at.0],
    )?])
    .await?;
    Reply::json(201, &ApiKeyCreated { view, key })
}

#[derive(Deserialize)]
struct KeyRow {
    key_id: String,
    name: String,
    scopes: String,
    created_at: i64,
}

/// `GET /v1/api-keys`: the keys not revoked, newest first, without keys.
pub async fn list(ctx: &mut Ctx) -> Result<Reply> {
    let rows: Vec<KeyRow> = ctx
        .db()?
        .all(
            "SELECT key_id, name, scopes, created_at FROM api_keys WHERE revoked_at IS NULL
              ORDER BY created_at DESC, key_id DESC",
            args![],
        )
        .await?;
    let api_keys = rows
        .into_iter()
        .map(|r| {
            Ok(ApiKeyView {
                key_id: r.key_id,
                name: r.name,
                scopes: serde_json::from_str(&r.scopes)?,
                created_at: Timestamp(r.created_at),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Reply::json(200, &ApiKeyList { api_keys })
}

/// `DELETE /v1/api-keys/{key_id}`: the key is refused from the next request on.
pub async fn revoke(ctx: &mut Ctx, key_id: &str) -> Result<Reply> {
    check_id("key_id", key_id)?;
    let db = ctx.db()?;
    let res = db
        .batch(vec![db.stmt(
            "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
            args![ctx.now.0, key_id],
        )?])
        .await?;
    if changes(&res, 0) == 0 {
        return Err(Error::NotFound(format!("no API key {key_id}")));
    }
    Reply::json(200, &ApiKeyRevoked { key_id: key_id.to_owned(), revoked: true })
}

#[derive(Deserialize)]
struct Scopes {
    scopes: String,
}

/// The scopes of the key `key`, if it is a key and not revoked.
pub async fn scopes_of(ctx: &Ctx, key: &str) -> Result<Option<Vec<Scope>>> {
    let row: Option<Scopes> = ctx
        .db()?
        .first("SELECT scopes FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", args![apikey::hash(key)])
        .await?;
    row.map(|r| serde_json::from_str(&r.scopes)).transpose().map_err(Error::from)
}
