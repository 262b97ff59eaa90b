//! Paying with points at checkout (`loyalty_core::checkout`): the code is
//! made, and its points debited, in one D1 batch guarded by the balance's
//! CHECK and one live code per order; the use (`coupons::redeem_body`) and
//! the return (the scheduled job, or the checkout's cancel) are each one
//! UPDATE guarded on the code being neither used nor returned, and the
//! return's ledger entry is written by the schema (migration 0021).

use loyalty_core::checkout::{self, PayWithPoints};
use loyalty_core::ids::check_id;
use loyalty_core::wire::{CheckoutPointsReceipt, CheckoutPointsRequest, CouponSummary};
use loyalty_core::{Refusal, Timestamp};
use serde::Deserialize;

use crate::args;
use crate::db::{Conflict, Db};
use crate::error::{Error, Result};
use crate::http::{fill_random, Ctx, Reply};
use crate::members;
use crate::program;
use crate::write::{Begin, Natural, Outcome, Write};

/// How many codes one run of the scheduled job gives back: bounded, so a
/// backlog is worked off over a few minutes, never in one long statement.
const RETURNS_PER_RUN: i64 = 500;

#[derive(Deserialize)]
struct Made {
    balance: i64,
}

#[derive(Deserialize)]
struct Live {
    customer_id: String,
    points: i64,
}

/// `POST /v1/checkout/points`.
pub async fn make(ctx: &mut Ctx) -> Result<Reply> {
    let body = ctx.body().await?;
    make_body(ctx, &body).await
}

/// The body of [`make`], shared with the demo checkout.
pub async fn make_body(ctx: &Ctx, body: &[u8]) -> Result<Reply> {
    let req: CheckoutPointsRequest = crate::http::parse_json(body)?;
    check_id("customer_id", &req.customer_id)?;
    check_id("order_id", &req.order_id)?;
    let program = program::load(ctx).await.ok();
    let Some((program, offer)) = program.and_then(|p| PayWithPoints::of(&p).map(|o| (p, o))) else {
        return Err(Error::Conflict(
            "paying with points is off: the program sets no points_value (what points are worth)".into(),
        ));
    };
    let amount_minor = offer.quote(req.points, &program)?;
    let discount = offer.discount(amount_minor);

    let mut w = match Write::begin(ctx, "server", body).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    let now = ctx.now;
    let code = checkout::code(&mut fill_random);
    let expires_at = now.plus_secs(checkout::CODE_TTL_SECS);
    let returns_expire_at = program.expiry_days.map(|d| now.plus_days(d).0);
    let db = w.db();
    let stmts = vec![
        members::ensure_member(db, &req.customer_id, now)?,
        db.stmt(
            "INSERT INTO checkout_codes (code, customer_id, order_id, points, amount_minor, currency, created_at,
                                         expires_at, returns_expire_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            args![
                &code,
                &req.customer_id,
                &req.order_id,
                req.points,
                amount_minor,
                &offer.currency,
                now.0,
                expires_at.0,
                returns_expire_at
            ],
        )?,
        db.stmt("SELECT balance FROM members WHERE customer_id = ?", args![&req.customer_id])?,
    ];
    let done = match w.commit(stmts).await? {
        Outcome::Done(done) => done,
        Outcome::Replayed(r) => return Ok(r),
        Outcome::Refused(c) => return refused(&w, c, &req, now).await,
    };
    let balance = done
        .rows::<Made>(2)?
        .into_iter()
        .next()
        .map(|m| m.balance)
        .ok_or_else(|| Error::Internal("the member vanished from its own batch".into()))?;
    let receipt = CheckoutPointsReceipt {
        customer_id: req.customer_id.clone(),
        order_id: req.order_id.clone(),
        points_debited: req.points,
        balance_after: balance,
        coupon: CouponSummary::new(code, Some(expires_at), discount, 0, None, ctx.lang()),
    };
    w.names(Natural::Checkout(req.order_id.clone()));
    w.finish(Reply::json(201, &receipt)?).await
}

/// Why the batch was refused, in the shopper's terms; the order's live
/// code again when this is a retry of the request that made it.
async fn refused(w: &Write, c: Conflict, req: &CheckoutPointsRequest, now: Timestamp) -> Result<Reply> {
    let db = w.db();
    match c {
        Conflict::InsufficientPoints => {
            let balance = members::load(db, &req.customer_id, now, members::Ledger::None).await?.row.balance;
            Err(Error::refused(Refusal::InsufficientPoints {
                needed: req.points,
                shortfall: (req.points - balance).max(1),
            }))
        }
        Conflict::Duplicate { table } if table == "checkout_codes" => {
            let live: Option<Live> = db
                .first(
                    "SELECT customer_id, points FROM checkout_codes WHERE order_id = ? AND returned_at IS NULL",
                    args![&req.order_id],
                )
                .await?;
            match live {
                Some(l) if l.customer_id == req.customer_id && l.points == req.points => w
                    .first_answer(&Natural::Checkout(req.order_id.clone()))
                    .await?
                    .ok_or_else(|| Error::Conflict("the order's code was given back meanwhile; ask again".into())),
                Some(l) => Err(Error::Conflict(format!(
                    "order {} already has a code for {} points; cancel it (DELETE /v1/checkout/points/{{code}}) \
                     before asking for another",
                    req.order_id, l.points
                ))),
                None => Err(Error::Conflict("the order's code was given back meanwhile; ask again".into())),
            }
        }
        other => Err(Error::Internal(format!("checkout points: {other:?}"))),
    }
}

#[derive(Deserialize)]
struct Cancelled {
    customer_id: String,
    points: i64,
    returned_at: Option<i64>,
    used_at: Option<i64>,
}

/// `DELETE /v1/checkout/points/{code}`: the shopper took the points off
/// the order before paying: they come back now, once. A code already used
/// is 409; one already given back answers as the first cancel did.
pub async fn cancel(ctx: &mut Ctx, code: &str) -> Result<Reply> {
    let code = loyalty_core::coupon::normalize(code).ok_or_else(|| Error::NotFound("no such checkout code".into()))?;
    let db = ctx.db()?;
    let now = ctx.now;
    let res = db
        .batch(vec![
            return_stmt(&db, "code = ?2", args![now.0, &code])?,
            db.stmt(
                "SELECT c.customer_id, c.points, c.returned_at, c.used_at FROM checkout_codes c WHERE c.code = ?",
                args![&code],
            )?,
        ])
        .await?;
    let row = crate::db::rows::<Cancelled>(&res, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound("no such checkout code".into()))?;
    if row.used_at.is_some() {
        return Err(Error::Conflict("this code was used on its order; its points are spent".into()));
    }
    // Neither used nor, after that UPDATE, still unreturned.
    let returned_at = row.returned_at.ok_or_else(|| Error::Internal("a cancelled code was not returned".into()))?;
    let balance = members::load(&db, &row.customer_id, now, members::Ledger::None).await?.row.balance;
    Reply::json(
        200,
        &loyalty_core::wire::CheckoutPointsCancelled {
            code,
            points_returned: row.points,
            returned_at: Timestamp(returned_at),
            balance_after: balance,
        },
    )
}

/// The UPDATE that gives back the points of the codes `filter` picks
/// (`?1` is now): only those neither used nor given back. The schema's
/// trigger writes each return's ledger entry (unique by code).
fn return_stmt(db: &Db, filter: &str, args: &[crate::db::Arg]) -> Result<worker::D1PreparedStatement> {
    db.stmt(
        &format!(
            "UPDATE checkout_codes SET returned_at = ?1
              WHERE {filter} AND used_at IS NULL AND returned_at IS NULL"
        ),
        args,
    )
}

/// The scheduled job's part: gives back the points of codes whose hour
/// is over and that were not used, at most [`RETURNS_PER_RUN`] a run;
/// returns how many.
pub async fn return_unused(db: &Db, now: Timestamp) -> Result<usize> {
    let res = db
        .batch(vec![return_stmt(
            db,
            "code IN (SELECT code FROM checkout_codes
                       WHERE expires_at <= ?1 AND used_at IS NULL AND returned_at IS NULL LIMIT ?2)",
            args![now.0, RETURNS_PER_RUN],
        )?])
        .await?;
    Ok(crate::db::changes(&res, 0))
}
