//! `Idempotency-Key` handling for state-changing POSTs.
//!
//! The record is *reserved* by a statement inside the request's own D1
//! batch, so of two racing requests with one key only one can write; the
//! loser waits for the winner's answer and replays it. Answers are stored
//! only for successes: a refused request wrote nothing, so retrying it is
//! safe and may legitimately succeed later.

use std::time::Duration;

use loyalty_core::ids::is_valid_idempotency_key;
use sha2::{Digest, Sha256};
use worker::{D1PreparedStatement, D1Result};

use crate::args;
use crate::db::{rows, Db};
use crate::error::{Error, Result};
use crate::http::{Ctx, Reply};

/// Records live this long.
const TTL_SECS: i64 = 24 * 3600;

/// A fresh key for this request, to reserve in its batch.
#[derive(Debug, Clone)]
pub struct Key {
    scope: String,
    key: String,
    hash: String,
    /// The member the request is about, when its route names one (an
    /// erasure removes the answers kept about the member).
    member: Option<String>,
}

/// How to proceed.
pub enum Start {
    /// Return this earlier answer.
    Replay(Reply),
    /// Go ahead (with a key to reserve, if the caller sent one).
    Fresh(Option<Key>),
}

#[derive(serde::Deserialize)]
struct Row {
    body_hash: String,
    status: Option<i64>,
    response: Option<String>,
}

/// Looks the caller's key up. `principal` separates callers' key spaces.
pub async fn start(ctx: &Ctx, principal: &str, body: &[u8]) -> Result<Start> {
    let Some(k) = key(ctx, principal, body)? else {
        return Ok(Start::Fresh(None));
    };
    match lookup(&ctx.db()?, &k, ctx.now.0).await? {
        Found::Missing => Ok(Start::Fresh(Some(k))),
        found => found.into_reply().map(Start::Replay),
    }
}

/// The caller's `Idempotency-Key`, checked, without touching D1: for a
/// handler that puts [`Key::lookup_stmt`] into its own read batch.
pub fn key(ctx: &Ctx, principal: &str, body: &[u8]) -> Result<Option<Key>> {
    let Some(key) = ctx.header("idempotency-key") else {
        return Ok(None);
    };
    if !is_valid_idempotency_key(&key) {
        return Err(Error::invalid("Idempotency-Key", "must be 1 to 255 printable ASCII characters"));
    }
    Ok(Some(Key {
        scope: scope(principal, ctx.method.as_ref(), &ctx.path),
        key,
        hash: Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect(),
        member: ctx.member.clone(),
    }))
}

/// Whose key it is and for which route: the path as the router reads it
/// (a trailing slash names the same route, so it names the same scope; the
/// query is not part of it, and no POST route reads one).
fn scope(principal: &str, method: &str, path: &str) -> String {
    format!("{principal} {method} {}", path.trim_end_matches('/'))
}

/// What the store holds for a key.
enum Found {
    Missing,
    Mismatch,
    InFlight,
    Done(Reply),
}

impl Found {
    fn into_reply(self) -> Result<Reply> {
        match self {
            Found::Done(r) => Ok(r),
            Found::Mismatch => {
                Err(Error::Conflict("this Idempotency-Key was used with a different request body".into()))
            }
            Found::Missing | Found::InFlight => {
                Err(Error::Conflict("a request with this Idempotency-Key is still in progress".into()))
            }
        }
    }
}

/// Forgets every record older than a day, when no retry may replay it any
/// more (the scheduled job): the table holds one day of requests, not all.
pub async fn purge(db: &Db, now: i64) -> Result<()> {
    db.stmt("DELETE FROM idempotency WHERE created_at <= ?", args![now - TTL_SECS])?.run().await?;
    Ok(())
}

/// Gives up a key this request reserved and then did not use (it was
/// refused, or failed, after the reservation): a retry with the same key
/// may then go ahead instead of waiting a day for a request that is over.
pub async fn release(key: &Option<Key>, db: &Db) -> Result<()> {
    let Some(k) = key else { return Ok(()) };
    db.stmt("DELETE FROM idempotency WHERE scope = ? AND key = ? AND status IS NULL", args![&k.scope, &k.key])?
        .run()
        .await?;
    Ok(())
}

async fn lookup(db: &Db, k: &Key, now: i64) -> Result<Found> {
    Ok(k.found(db.first_of(k.lookup_stmt(db, now)?).await?))
}

impl Key {
    /// The statement that reads this key's record.
    pub fn lookup_stmt(&self, db: &Db, now: i64) -> Result<D1PreparedStatement> {
        db.stmt(
            "SELECT body_hash, status, response FROM idempotency WHERE scope = ? AND key = ? AND created_at > ?",
            args![&self.scope, &self.key, now - TTL_SECS],
        )
    }

    fn found(&self, row: Option<Row>) -> Found {
        match row {
            None => Found::Missing,
            Some(r) if r.body_hash != self.hash => Found::Mismatch,
            Some(Row { status: Some(s), response: Some(body), .. }) => Found::Done(Reply::raw(s as u16, body)),
            Some(_) => Found::InFlight,
        }
    }

    /// What [`Key::lookup_stmt`] found, read from a batch result: `None` to
    /// go ahead, or the earlier answer to replay (or the conflict).
    pub fn replay(&self, res: &[D1Result], index: usize) -> Result<Option<Reply>> {
        match self.found(rows::<Row>(res, index)?.into_iter().next()) {
            Found::Missing => Ok(None),
            found => found.into_reply().map(Some),
        }
    }

    /// Statements to put first in the request's batch.
    pub fn reserve(&self, db: &Db, now: i64) -> Result<Vec<D1PreparedStatement>> {
        Ok(vec![
            db.stmt(
                "DELETE FROM idempotency WHERE scope = ? AND key = ? AND created_at <= ?",
                args![&self.scope, &self.key, now - TTL_SECS],
            )?,
            db.stmt(
                "INSERT INTO idempotency (scope, key, body_hash, created_at, customer_id) VALUES (?, ?, ?, ?, ?)",
                args![&self.scope, &self.key, &self.hash, now, self.member.as_deref()],
            )?,
        ])
    }

    /// Stores the answer after the batch committed.
    pub fn complete_stmt(&self, db: &Db, reply: &Reply) -> Result<D1PreparedStatement> {
        db.stmt(
            "UPDATE idempotency SET status = ?, response = ? WHERE scope = ? AND key = ?",
            args![i64::from(reply.status), &reply.body, &self.scope, &self.key],
        )
    }

    /// The batch lost the race for this key: wait for the winner's answer.
    pub async fn await_winner(&self, db: &Db, now: i64) -> Result<Reply> {
        for _ in 0..40 {
            match lookup(db, self, now).await? {
                Found::Missing | Found::InFlight => worker::Delay::from(Duration::from_millis(50)).await,
                found => return found.into_reply(),
            }
        }
        Found::InFlight.into_reply()
    }
}

/// The reservation statements, or none.
pub fn reserve(key: &Option<Key>, db: &Db, now: i64) -> Result<Vec<D1PreparedStatement>> {
    key.as_ref().map_or(Ok(Vec::new()), |k| k.reserve(db, now))
}

/// The answer of the request that took this request's key (after a batch
/// failed with `Conflict::IdempotencyKeyTaken`, which only a reserved key
/// can cause).
pub async fn winner(key: &Option<Key>, db: &Db, now: i64) -> Result<Reply> {
    match key {
        Some(k) => k.await_winner(db, now).await,
        None => Err(Error::Internal("an Idempotency-Key conflict without a key".into())),
    }
}

/// Stores the answer, if there was a key.
#[cfg(test)]
mod tests {
    use super::scope;

    #[test]
    fn a_trailing_slash_is_the_same_scope() {
        let plain = scope("server", "POST", "/v1/members/alice/adjustments");
        assert_eq!(scope("server", "POST", "/v1/members/alice/adjustments/"), plain);
        assert_eq!(scope("server", "POST", "/v1/members/alice/adjustments//"), plain);
        assert_ne!(scope("customer:alice", "POST", "/v1/members/alice/adjustments"), plain);
        assert_ne!(scope("server", "POST", "/v1/members/bob/adjustments"), plain);
    }
}
