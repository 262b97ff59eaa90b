//! Store gift cards (reward kind `gift_card`): read, and debited in parts
//! across orders. A debit is one D1 batch: its row (unique per card and
//! order) and, by the schema's trigger, the balance's decrement, which the
//! balance's CHECK (`gift_card_funds`) refuses below zero; racing debits
//! are serialised by D1 and each is paid in full or refused.

use loyalty_core::coupon;
use loyalty_core::ids::check_id;
use loyalty_core::money;
use loyalty_core::wire::{GiftCard, GiftCardDebit, GiftCardDebitRequest, GiftCardUse};
use loyalty_core::{Lang, Timestamp};
use serde::Deserialize;

use crate::args;
use crate::db::{rows, Conflict, Db};
use crate::error::{Error, Result};
use crate::http::{parse_json, Ctx, Reply};
use crate::write::{Begin, Natural, Outcome, Write};

#[derive(Deserialize)]
struct CardRow {
    code: String,
    reward_id: String,
    customer_id: String,
    currency: String,
    initial_minor: i64,
    balance_minor: i64,
    issued_at: i64,
    expires_at: Option<i64>,
}

const CARD: &str = "SELECT code, reward_id, customer_id, currency, initial_minor, balance_minor, issued_at, expires_at
                      FROM gift_cards WHERE code = ?";

fn code_of(raw: &str) -> Result<String> {
    coupon::normalize(raw).ok_or_else(|| Error::NotFound("no such gift card".into()))
}

async fn card(db: &Db, code: &str) -> Result<CardRow> {
    db.first(CARD, args![code]).await?.ok_or_else(|| Error::NotFound(format!("no gift card {code}")))
}

/// `GET /v1/gift-cards/{code}`.
pub async fn get(ctx: &mut Ctx, code: &str) -> Result<Reply> {
    let code = code_of(code)?;
    let db = ctx.db()?;
    let res = db
        .batch(vec![
            db.stmt(CARD, args![&code])?,
            db.stmt(
                "SELECT order_id, amount_minor, created_at FROM gift_card_debits
                  WHERE code = ? ORDER BY created_at DESC, rowid DESC LIMIT 100",
                args![&code],
            )?,
        ])
        .await?;
    let c =
        rows::<CardRow>(&res, 0)?.into_iter().next().ok_or_else(|| Error::NotFound(format!("no gift card {code}")))?;
    let debits = rows::<UseRow>(&res, 1)?
        .into_iter()
        .map(|d| GiftCardUse {
            order_id: d.order_id,
            amount_minor: d.amount_minor,
            created_at: Timestamp(d.created_at),
        })
        .collect();
    Reply::json(
        200,
        &GiftCard {
            code: c.code,
            balance_minor: c.balance_minor,
            currency: c.currency,
            customer_id: c.customer_id,
            expires_at: c.expires_at.map(Timestamp),
            initial_minor: c.initial_minor,
            reward_id: c.reward_id,
            issued_at: Timestamp(c.issued_at),
            debits,
        },
    )
}

#[derive(Deserialize)]
struct UseRow {
    order_id: String,
    amount_minor: i64,
    created_at: i64,
}

#[derive(Deserialize)]
struct Left {
    balance_minor: i64,
    currency: String,
}

/// `POST /v1/gift-cards/{code}/debit`.
pub async fn debit(ctx: &mut Ctx, code: &str) -> Result<Reply> {
    let body = ctx.body().await?;
    let req: GiftCardDebitRequest = parse_json(&body)?;
    check_id("order_id", &req.order_id)?;
    if req.amount_minor <= 0 {
        return Err(Error::invalid("amount_minor", "must be positive"));
    }
    let code = code_of(code)?;
    let mut w = match Write::begin(ctx, "server", &body).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    let now = ctx.now;
    let debit_id = format!("{code}:{}", req.order_id);
    let natural = Natural::GiftCardDebit(debit_id.clone());
    let db = w.db();
    // Written only for a card that exists and has not expired; the
    // trigger takes the amount off, or the CHECK refuses the batch.
    let stmts = vec![
        db.stmt(
            "INSERT INTO gift_card_debits (debit_id, code, order_id, amount_minor, created_at)
             SELECT ?1, code, ?2, ?3, ?4 FROM gift_cards WHERE code = ?5 AND (expires_at IS NULL OR expires_at > ?4)",
            args![&debit_id, &req.order_id, req.amount_minor, now.0, &code],
        )?,
        db.stmt("SELECT balance_minor, currency FROM gift_cards WHERE code = ?", args![&code])?,
    ];
    let done = match w.commit(stmts).await? {
        Outcome::Done(done) => done,
        Outcome::Replayed(r) => return Ok(r),
        Outcome::Refused(Conflict::Duplicate { table }) if table == "gift_card_debits" => {
            // This order was debited already: its first answer.
            return w.first_answer(&natural).await?.ok_or_else(|| Error::Internal("gift card debit vanished".into()));
        }
        Outcome::Refused(Conflict::InsufficientFunds) => {
            let c = card(w.db(), &code).await?;
            let lang = Lang::En;
            return Err(Error::InsufficientFunds(format!(
                "the gift card holds {}; the debit asks for {}",
                money::format(c.balance_minor, &c.currency, lang),
                money::format(req.amount_minor, &c.currency, lang)
            )));
        }
        Outcome::Refused(c) => return Err(Error::Internal(format!("gift card debit: {c:?}"))),
    };
    if done.changes(0) == 0 {
        // No card, or an expired one: nothing was written but the key.
        w.abandon().await?;
        let c = card(w.db(), &code).await?;
        return Err(if c.expires_at.is_some_and(|x| x <= now.0) {
            Error::CouponInvalid("this gift card has expired".into())
        } else {
            Error::Internal("gift card debit wrote nothing".into())
        });
    }
    let left = done.rows::<Left>(1)?.into_iter().next().ok_or_else(|| Error::Internal("gift card vanished".into()))?;
    let reply = Reply::json(
        201,
        &GiftCardDebit {
            code,
            order_id: req.order_id,
            debited: req.amount_minor,
            balance_minor: left.balance_minor,
            currency: left.currency,
        },
    )?;
    w.names(natural);
    w.finish(reply).await
}
