//! The one write path. Every state-changing request goes through a
//! [`Write`]: it looks up the caller's `Idempotency-Key` (or lets the
//! handler read it in its own batch), reserves it in the request's D1 batch,
//! runs the batch, replays the winner's answer when another request took the
//! key first, stores the answer, and gives the key back when the request is
//! refused after its reservation.
//!
//! A request that names itself (an order id, a bonus event's id: a
//! [`Natural`] key) is also answered again from its own record for as long
//! as that record lives, where an `Idempotency-Key` is kept a day; the write
//! path reads and stores that answer too, with the key's, in one batch.
//!
//! The events a change reports are written by the schema in that same batch
//! (triggers, migration 0007), so no handler can forget them or write them
//! apart from their change. While an endpoint is subscribed, the batch ends
//! with the fan-out of those events to deliveries and the claim of the
//! deliveries not yet queued (`webhooks::fan_out_stmts`, `claim_stmt`);
//! `fetch` hands what it took to the Queue once the answer is sent.

use std::cell::RefCell;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use worker::{D1PreparedStatement, D1Result};

use std::time::Duration;

use crate::args;
use crate::db::{self, Conflict, Db};
use crate::error::{Error, Result};
use crate::http::{Ctx, Reply};
use crate::idempotency::{self, Key};
use crate::webhooks::{self, Try};
use loyalty_core::Timestamp;

/// What a request is, when it says so itself: its record (the order, the
/// bonus claim) makes a second one a duplicate for good, and keeps the
/// first answer to give it.
#[derive(Debug, Clone)]
pub enum Natural {
    /// A purchase, by `order_id`.
    Order(String),
    /// A bonus event with an `event_id`, as `{event}:{event_id}`.
    Bonus(String),
    /// Points at checkout, by `order_id`: the order's live code.
    Checkout(String),
    /// A gift card's debit, by `{code}:{order_id}`.
    GiftCardDebit(String),
}

impl Natural {
    fn parts(&self) -> (&'static str, &'static str, &str) {
        match self {
            Natural::Order(id) => (
                "SELECT response FROM orders WHERE order_id = ?",
                "UPDATE orders SET response = ? WHERE order_id = ?",
                id,
            ),
            Natural::Bonus(id) => (
                "SELECT response FROM bonus_claims WHERE event_id = ?",
                "UPDATE bonus_claims SET response = ? WHERE event_id = ?",
                id,
            ),
            Natural::GiftCardDebit(id) => (
                "SELECT response FROM gift_card_debits WHERE debit_id = ?",
                "UPDATE gift_card_debits SET response = ? WHERE debit_id = ?",
                id,
            ),
            Natural::Checkout(id) => (
                "SELECT response FROM checkout_codes WHERE order_id = ? AND returned_at IS NULL",
                "UPDATE checkout_codes SET response = ? WHERE order_id = ? AND returned_at IS NULL",
                id,
            ),
        }
    }

    /// The statement that reads the record's answer, for a handler's own
    /// read batch ([`Write::natural_answer`]).
    pub fn lookup_stmt(&self, db: &Db) -> Result<D1PreparedStatement> {
        let (lookup, _, id) = self.parts();
        db.stmt(lookup, args![id])
    }
}

#[derive(serde::Deserialize)]
struct Stored {
    response: Option<String>,
}

/// A write under way.
pub struct Write {
    db: Db,
    key: Option<Key>,
    now: Timestamp,
    /// Whether this request's reservation of the key is committed.
    holds_key: bool,
    /// Where the deliveries a batch claims go: the request's `to_queue`.
    to_queue: Rc<RefCell<Vec<Try>>>,
    /// Bindings (whether an endpoint is subscribed: `webhooks::hooked`).
    env: worker::Env,
    /// The record that keeps this request's answer beside the key's.
    natural: Option<Natural>,
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
            idempotency::Start::Fresh(key) => Ok(Begin::Fresh(Write::new(ctx, key)?)),
        }
    }

    /// Starts a write whose handler looks the key up itself, in a read
    /// batch of its own ([`Write::lookup_stmt`], [`Write::replay`]), or
    /// writes first and looks later.
    pub fn deferred(ctx: &Ctx, principal: &str, body: &[u8]) -> Result<Write> {
        Write::new(ctx, idempotency::key(ctx, principal, body)?)
    }

    /// Starts a write without an Idempotency-Key: the demo store's
    /// checkout, whose requests carry none.
    pub fn unkeyed(ctx: &Ctx) -> Result<Write> {
        Write::new(ctx, None)
    }

    fn new(ctx: &Ctx, key: Option<Key>) -> Result<Write> {
        Ok(Write {
            db: ctx.db()?,
            key,
            now: ctx.now,
            holds_key: false,
            to_queue: Rc::clone(&ctx.to_queue),
            env: ctx.env.clone(),
            natural: None,
        })
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

    /// The first answer to the request `natural` names, if its record
    /// exists, from `res[index]` (the result of its
    /// [`Natural::lookup_stmt`]); waits briefly while the first request is
    /// still finishing.
    pub async fn natural_answer(&self, natural: &Natural, res: &[D1Result], index: usize) -> Result<Option<Reply>> {
        match db::rows::<Stored>(res, index)?.into_iter().next() {
            None => Ok(None),
            Some(Stored { response: Some(body) }) => Ok(Some(Reply::raw(200, body))),
            Some(Stored { response: None }) => self.first_answer(natural).await,
        }
    }

    /// The first answer to the request `natural` names, read now (after
    /// the record refused this request as a duplicate, say).
    pub async fn first_answer(&self, natural: &Natural) -> Result<Option<Reply>> {
        let (lookup, _, id) = natural.parts();
        for attempt in 0..40 {
            let row: Option<Stored> = self.db.first(lookup, args![id]).await?;
            match row {
                None if attempt == 0 => return Ok(None),
                Some(Stored { response: Some(body) }) => return Ok(Some(Reply::raw(200, body))),
                _ => worker::Delay::from(Duration::from_millis(50)).await,
            }
        }
        Err(Error::Conflict("the first request for this id is still in progress".into()))
    }

    /// Says that this request is the first for `natural`: [`Write::finish`]
    /// keeps its answer in the record.
    pub fn names(&mut self, natural: Natural) {
        self.natural = Some(natural);
    }

    /// Runs `stmts` as one batch, after the key's reservation (unless this
    /// request holds it already) and before the claim of the deliveries of
    /// the events it wrote.
    pub async fn commit(&mut self, stmts: Vec<D1PreparedStatement>) -> Result<Outcome> {
        let mut all = if self.holds_key { Vec::new() } else { idempotency::reserve(&self.key, &self.db, self.now.0)? };
        let offset = all.len();
        all.extend(stmts);
        let claim = if webhooks::hooked(&self.env, self.now).await? {
            all.extend(webhooks::fan_out_stmts(&self.db)?);
            all.push(webhooks::claim_stmt(&self.db, self.now)?);
            Some(all.len() - 1)
        } else {
            None
        };
        match self.db.try_batch(all).await? {
            Ok(results) => {
                self.holds_key = self.key.is_some();
                if let Some(claim) = claim {
                    self.to_queue.borrow_mut().extend(webhooks::claimed(&results, claim)?);
                }
                Ok(Outcome::Done(Committed { results, offset }))
            }
            Err(Conflict::IdempotencyKeyTaken) => {
                Ok(Outcome::Replayed(idempotency::winner(&self.key, &self.db, self.now.0).await?))
            }
            Err(c) => Ok(Outcome::Refused(c)),
        }
    }

    /// Stores the answer under the key and in the record the request
    /// names, in one batch (a success only: a refused request wrote
    /// nothing, so its retry may go ahead) and returns it.
    pub async fn finish(&self, reply: Reply) -> Result<Reply> {
        if !(200..300).contains(&reply.status) {
            return Ok(reply);
        }
        let mut stmts = Vec::new();
        if let Some(k) = &self.key {
            stmts.push(k.complete_stmt(&self.db, &reply)?);
        }
        if let Some(n) = &self.natural {
            let (_, store, id) = n.parts();
            stmts.push(self.db.stmt(store, args![&reply.body, id])?);
        }
        if !stmts.is_empty() {
            self.db.batch(stmts).await?;
        }
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
