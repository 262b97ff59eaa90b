//! The one write path. Every state-changing request goes through a
//! [`Write`]: it looks up the caller's `Idempotency-Key` (or lets the
//! handler read it in its own batch), reserves it in the request's D1 batch,
//! runs the batch, replays the winner's answer when another request took the
//! key first, stores the answer, and gives the key back when the request is
//! refused after its reservation.
//!
//! The events a change reports are written by the schema in that same batch
//! (triggers, migration 0007), so no handler can forget them or write them
//! apart from their change; after a successful write `fetch` hands their
//! deliveries to the Queue (`webhooks::drain`).

use serde::de::DeserializeOwned;
use worker::{D1PreparedStatement, D1Result};

use crate::db::{self, Conflict, Db};
use crate::error::Result;
use crate::http::{Ctx, Reply};
use crate::idempotency::{self, Key};
use loyalty_core::Timestamp;

/// A write under way.
pub struct Write {
    db: Db,
    key: Option<Key>,
    now: Timestamp,
    /// Whether this request's reservation of the key is committed.
    holds_key: bool,
}

/// How a write starts.
pub enum Begin {
    /// The key answered this request already: this is that answer.
    Replay(Reply),
    /// Go ahead.
    Fresh(Write),
}

/// How a batch ended.
pub enum Outcome {
    /// Committed: the results of the handler's statements.
    Done(Committed),
    /// A guard of the schema refused it; nothing was written.
    Refused(Conflict),
    /// Another request holds this request's key: its answer.
    Replayed(Reply),
}

/// The results of a committed batch, indexed as the handler's statements.
pub struct Committed {
    results: Vec<D1Result>,
    offset: usize,
}

impl Committed {
    /// Rows of the handler's statement `i`.
    pub fn rows<T: DeserializeOwned>(&self, i: usize) -> Result<Vec<T>> {
        db::rows(&self.results, self.offset + i)
    }

    /// Rows changed by the handler's statement `i`.
    pub fn changes(&self, i: usize) -> usize {
        db::changes(&self.results, self.offset + i)
    }
}

impl Write {
    /// Starts a write for `principal` (which separates callers' key
    /// spaces), looking the key up first.
    pub async fn begin(ctx: &Ctx, principal: &str, body: &[u8]) -> Result<Begin> {
        match idempotency::start(ctx, principal, body).await? {
            idempotency::Start::Replay(r) => Ok(Begin::Replay(r)),
            idempotency::Start::Fresh(key) => {
                Ok(Begin::Fresh(Write { db: ctx.db()?, key, now: ctx.now, holds_key: false }))
            }
        }
    }

    /// Starts a write whose handler looks the key up itself, in a read
    /// batch of its own ([`Write::lookup_stmt`], [`Write::replay`]), or
    /// writes first and looks later.
    pub fn deferred(ctx: &Ctx, principal: &str, body: &[u8]) -> Result<Write> {
        Ok(Write { db: ctx.db()?, key: idempotency::key(ctx, principal, body)?, now: ctx.now, holds_key: false })
    }

    /// Starts a write without an Idempotency-Key: the demo store's
    /// checkout, whose requests carry none.
    pub fn unkeyed(ctx: &Ctx) -> Result<Write> {
        Ok(Write { db: ctx.db()?, key: None, now: ctx.now, holds_key: false })
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The statement that reads the key's record, unless this request
    /// holds the key already or sent none.
    pub fn lookup_stmt(&self) -> Result<Option<D1PreparedStatement>> {
        match (&self.key, self.holds_key) {
            (Some(k), false) => Ok(Some(k.lookup_stmt(&self.db, self.now.0)?)),
            _ => Ok(None),
        }
    }

    /// The earlier answer [`Write::lookup_stmt`] found at `index` of `res`.
    pub fn replay(&self, res: &[D1Result], index: usize) -> Result<Option<Reply>> {
        match (&self.key, self.holds_key) {
            (Some(k), false) => k.replay(res, index),
            _ => Ok(None),
        }
    }

    /// Runs `stmts` as one batch, after the key's reservation (unless this
    /// request holds it already).
    pub async fn commit(&mut self, stmts: Vec<D1PreparedStatement>) -> Result<Outcome> {
        let mut all = if self.holds_key { Vec::new() } else { idempotency::reserve(&self.key, &self.db, self.now.0)? };
        let offset = all.len();
        all.extend(stmts);
        match self.db.try_batch(all).await? {
            Ok(results) => {
                self.holds_key = self.key.is_some();
                Ok(Outcome::Done(Committed { results, offset }))
            }
            Err(Conflict::IdempotencyKeyTaken) => {
                Ok(Outcome::Replayed(idempotency::winner(&self.key, &self.db, self.now.0).await?))
            }
            Err(c) => Ok(Outcome::Refused(c)),
        }
    }

    /// Stores the answer under the key (a success only: a refused request
    /// wrote nothing, so its retry may go ahead) and returns it.
    pub async fn finish(&self, reply: Reply) -> Result<Reply> {
        idempotency::complete(&self.key, &self.db, &reply).await?;
        Ok(reply)
    }

    /// Gives the key back after a committed batch reserved it but the
    /// request then ended without an answer to store (refused later, or
    /// failed): a retry goes ahead instead of waiting a day.
    pub async fn abandon(&self) -> Result<()> {
        if self.holds_key {
            idempotency::release(&self.key, &self.db).await?;
        }
        Ok(())
    }
}
