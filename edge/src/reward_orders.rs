//! Reward orders (seed 003; `loyalty_core::reward_order`): made in one D1
//! batch (the order, its lines, each reward as a `reward_grants` row with
//! its coupon, each line then marked fulfilled or failed), tracked by GET,
//! and claimed through a link's page. Statuses roll up, and every change
//! of a line is a `reward_order.status` event, by the schema's triggers
//! (migration 0023), so no path can move a status without telling it.

use std::collections::HashMap;

use loyalty_core::coupon;
use loyalty_core::reward::Reward;
use loyalty_core::reward_order::{self, Delivery, DeliveryKind, OrderStatus, Personalization, RewardOrderRequest};
use loyalty_core::wire::{ClaimView, ClaimedCode, RewardOrder, RewardOrderLine, RewardView};
use loyalty_core::Timestamp;
use serde::Deserialize;
use worker::D1PreparedStatement;

use crate::args;
use crate::auth::{client_address, with_budget, Budget, Limit};
use crate::db::{rows, Conflict, Db};
use crate::error::{Error, Result};
use crate::http::{fill_random, parse_json, random_id, Ctx, Reply};
use crate::redemptions::{coupon_stmt, Issuer};
use crate::write::{Begin, Outcome, Write};
use crate::{config, members, program, rewards};

#[derive(Deserialize)]
struct StoredReward {
    reward_id: String,
    body: String,
}

#[derive(Deserialize)]
struct Hooked {
    hooked: i64,
}

#[derive(Deserialize)]
struct Existing {
    order_id: String,
}

/// `POST /v1/reward-orders`.
pub async fn create(ctx: &mut Ctx) -> Result<Reply> {
    let body = ctx.body().await?;
    let req: RewardOrderRequest = parse_json(&body)?;
    reward_order::check(&req)?;
    let mut w = match Write::begin(ctx, "server", &body).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    let now = ctx.now;
    let db = w.db();
    let ids: Vec<&str> = req.line_items.iter().map(|l| l.reward_id.as_str()).collect();
    let res = db
        .batch(vec![
            db.stmt("SELECT order_id FROM reward_orders WHERE po_number = ?", args![&req.po_number])?,
            db.stmt(
                "SELECT reward_id, body FROM rewards WHERE reward_id IN (SELECT value FROM json_each(?))",
                args![serde_json::to_string(&ids)?],
            )?,
            db.stmt(
                "SELECT EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.active = 1
                                  AND EXISTS (SELECT 1 FROM json_each(w.events) e
                                               WHERE e.value IN ('*', 'reward_order.status'))) AS hooked",
                &[],
            )?,
        ])
        .await?;
    // The same PO number again: the order as it stands.
    if let Some(e) = rows::<Existing>(&res, 0)?.into_iter().next() {
        return view(ctx, w.db(), &e.order_id, 200).await;
    }
    let catalog: HashMap<String, Reward> = rows::<StoredReward>(&res, 1)?
        .into_iter()
        .map(|r| Ok((r.reward_id, rewards::parse(&r.body)?)))
        .collect::<Result<_>>()?;
    let hooked = rows::<Hooked>(&res, 2)?.into_iter().next().is_some_and(|h| h.hooked == 1);

    let order_id = random_id("ro");
    let mut stmts = vec![db.stmt(
        "INSERT INTO reward_orders (order_id, po_number, status, created_at, updated_at) VALUES (?1, ?2, 'pending', ?3, ?3)",
        args![&order_id, &req.po_number, now.0],
    )?];
    for (i, l) in req.line_items.iter().enumerate() {
        let line_no = i as i64 + 1;
        let sendable = reward_order::sendable(l, catalog.get(&l.reward_id), hooked);
        let token = (l.delivery.kind == DeliveryKind::Link).then(|| reward_order::claim_token(&mut fill_random));
        let personalization = l.personalization.as_ref().map(serde_json::to_string).transpose()?;
        stmts.push(db.stmt(
            "INSERT INTO reward_order_lines (order_id, line_no, reward_id, customer_id, quantity, delivery_type, email,
                                             personalization, status, claim_token, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            args![
                &order_id,
                line_no,
                &l.reward_id,
                &l.customer_id,
                i64::from(l.quantity),
                l.delivery.kind.as_str(),
                l.delivery.email.as_deref(),
                personalization.as_deref(),
                token.as_deref(),
                now.0
            ],
        )?);
        match sendable {
            Ok(reward) => stmts.extend(fulfil(db, &order_id, line_no, l.quantity, &l.customer_id, reward, now)?),
            Err(why) => stmts.push(db.stmt(
                "UPDATE reward_order_lines SET status = 'failed', reason = ?3, updated_at = ?4
                  WHERE order_id = ?1 AND line_no = ?2",
                args![&order_id, line_no, why, now.0],
            )?),
        }
    }
    match w.commit(stmts).await? {
        Outcome::Done(_) => {}
        Outcome::Replayed(r) => return Ok(r),
        // Another request made this PO number's order meanwhile.
        Outcome::Refused(Conflict::Duplicate { table }) if table == "reward_orders" => {
            let e: Existing = w
                .db()
                .first("SELECT order_id FROM reward_orders WHERE po_number = ?", args![&req.po_number])
                .await?
                .ok_or_else(|| Error::Internal("reward order vanished".into()))?;
            return view(ctx, w.db(), &e.order_id, 200).await;
        }
        Outcome::Refused(c) => return Err(Error::Internal(format!("reward order: {c:?}"))),
    }
    let reply = view(ctx, w.db(), &order_id, 201).await?;
    w.finish(reply).await
}

/// A live line's rewards: one grant and its coupon each, then the line
/// fulfilled if every coupon was issued (a pool-only reward whose pool ran
/// out issues none), else failed.
fn fulfil(
    db: &Db,
    order_id: &str,
    line_no: i64,
    quantity: u32,
    customer_id: &str,
    reward: &Reward,
    now: Timestamp,
) -> Result<Vec<D1PreparedStatement>> {
    let mut stmts = vec![members::ensure_member(db, customer_id, now)?];
    for unit in 1..=i64::from(quantity) {
        let grant_id = random_id("rg");
        stmts.push(db.stmt(
            "INSERT INTO reward_grants (grant_id, customer_id, reward_id, cause, created_at) VALUES (?, ?, ?, ?, ?)",
            args![&grant_id, customer_id, &reward.reward_id, format!("rorder:{order_id}:{line_no}:{unit}"), now.0],
        )?);
        stmts.push(db.stmt(
            "INSERT INTO reward_order_units (order_id, line_no, unit_no, grant_id) VALUES (?, ?, ?, ?)",
            args![order_id, line_no, unit, &grant_id],
        )?);
        stmts.push(coupon_stmt(db, reward, Issuer::Grant(&grant_id), customer_id, now)?);
    }
    stmts.push(db.stmt(
        "UPDATE reward_order_lines
            SET status = CASE WHEN n.issued = quantity THEN 'fulfilled' ELSE 'failed' END,
                reason = CASE WHEN n.issued = quantity THEN NULL ELSE ?3 END,
                updated_at = ?4
           FROM (SELECT COUNT(*) AS issued FROM reward_order_units u JOIN coupons c ON c.redemption_id = u.grant_id
                  WHERE u.order_id = ?1 AND u.line_no = ?2) n
          WHERE order_id = ?1 AND line_no = ?2",
        args![order_id, line_no, reward_order::POOL_RAN_OUT, now.0],
    )?);
    Ok(stmts)
}

#[derive(Deserialize)]
struct OrderRow {
    order_id: String,
    po_number: String,
    status: String,
    created_at: i64,
    updated_at: i64,
}

#[derive(Deserialize)]
struct LineRow {
    line_no: u32,
    reward_id: String,
    customer_id: String,
    quantity: u32,
    delivery_type: String,
    email: Option<String>,
    personalization: Option<String>,
    status: String,
    reason: Option<String>,
    claim_token: Option<String>,
}

#[derive(Deserialize)]
struct CodeRow {
    line_no: u32,
    code: String,
}

fn status(s: &str) -> Result<OrderStatus> {
    OrderStatus::parse(s).ok_or_else(|| Error::Internal(format!("unknown reward order status {s}")))
}

/// Where a claim link points: this Worker's own origin (https, but for
/// a loopback development host).
fn claim_url(ctx: &Ctx, token: &str) -> String {
    let scheme = if config::is_loopback(&ctx.host) { "http" } else { "https" };
    format!("{scheme}://{}/claim/#{token}", ctx.host)
}

async fn view(ctx: &Ctx, db: &Db, order_id: &str, status_code: u16) -> Result<Reply> {
    let res = db
        .batch(vec![
            db.stmt(
                "SELECT order_id, po_number, status, created_at, updated_at FROM reward_orders WHERE order_id = ?",
                args![order_id],
            )?,
            db.stmt(
                "SELECT line_no, reward_id, customer_id, quantity, delivery_type, email, personalization, status,
                        reason, claim_token
                   FROM reward_order_lines WHERE order_id = ? ORDER BY line_no",
                args![order_id],
            )?,
            db.stmt(
                "SELECT u.line_no, c.code FROM reward_order_units u JOIN coupons c ON c.redemption_id = u.grant_id
                  WHERE u.order_id = ? ORDER BY u.line_no, u.unit_no",
                args![order_id],
            )?,
        ])
        .await?;
    let o = rows::<OrderRow>(&res, 0)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(format!("no reward order {order_id}")))?;
    let mut codes: HashMap<u32, Vec<String>> = HashMap::new();
    for c in rows::<CodeRow>(&res, 2)? {
        codes.entry(c.line_no).or_default().push(c.code);
    }
    let line_items = rows::<LineRow>(&res, 1)?
        .into_iter()
        .map(|l| {
            let st = status(&l.status)?;
            let kind = if l.delivery_type == "webhook" { DeliveryKind::Webhook } else { DeliveryKind::Link };
            let personalization: Option<Personalization> =
                l.personalization.as_deref().map(serde_json::from_str).transpose()?;
            Ok(RewardOrderLine {
                line: l.line_no,
                reward_id: l.reward_id,
                customer_id: l.customer_id,
                quantity: l.quantity,
                delivery: Delivery { kind, email: l.email },
                personalization,
                status: st,
                reason: l.reason,
                // A failed line has nothing to claim.
                claim_url: l.claim_token.filter(|_| st != OrderStatus::Failed).map(|t| claim_url(ctx, &t)),
                codes: codes.remove(&l.line_no).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Reply::json(
        status_code,
        &RewardOrder {
            order_id: o.order_id,
            po_number: o.po_number,
            status: status(&o.status)?,
            created_at: Timestamp(o.created_at),
            updated_at: Timestamp(o.updated_at),
            line_items,
        },
    )
}

/// `GET /v1/reward-orders/{order_id}`.
pub async fn get(ctx: &mut Ctx, order_id: &str) -> Result<Reply> {
    let db = ctx.db()?;
    view(ctx, &db, order_id, 200).await
}

#[derive(Deserialize)]
struct ClaimRow {
    body: String,
    quantity: u32,
    personalization: Option<String>,
    claimed_at: Option<i64>,
    order_id: String,
    line_no: i64,
}

#[derive(Deserialize)]
struct ClaimCodeRow {
    code: String,
    expires_at: Option<i64>,
}

/// `GET /v1/claims/{token}` (`claim: false`: only reads, so a mail
/// scanner opening the link claims nothing) and `POST` (`claim: true`:
/// the holder claims the codes, once; again, it shows them again).
/// Every call is counted per address, found or not, and a wrong or
/// malformed token, a failed line's, is the same 404: a guess learns
/// nothing.
pub async fn claim(ctx: &mut Ctx, token: &str, claim: bool) -> Result<Reply> {
    let budget = Budget::of(ctx, Limit::Validation, client_address(ctx))?;
    let not_found = || Error::NotFound("no such claim link".into());
    let token = reward_order::is_claim_token(token).then(|| token.to_owned());
    let db = ctx.db()?;
    let now = ctx.now;
    let row: Option<ClaimRow> = with_budget(budget, async {
        let Some(token) = &token else { return Ok(None) };
        let mut stmts = Vec::new();
        if claim {
            stmts.push(db.stmt(
                "UPDATE reward_order_lines SET status = 'delivered', claimed_at = ?2, updated_at = ?2
                  WHERE claim_token = ?1 AND status = 'fulfilled' AND claimed_at IS NULL",
                args![token.as_str(), now.0],
            )?);
        }
        stmts.push(db.stmt(
            "SELECT r.body, l.quantity, l.personalization, l.claimed_at, l.order_id, l.line_no
               FROM reward_order_lines l JOIN rewards r ON r.reward_id = l.reward_id
              WHERE l.claim_token = ? AND l.status IN ('fulfilled', 'delivered')",
            args![token.as_str()],
        )?);
        let last = stmts.len() - 1;
        Ok(rows::<ClaimRow>(&db.batch(stmts).await?, last)?.into_iter().next())
    })
    .await?;
    let row = row.ok_or_else(not_found)?;
    let reward = rewards::parse(&row.body)?;
    let codes = match row.claimed_at {
        None => Vec::new(),
        Some(_) => db
            .all::<ClaimCodeRow>(
                "SELECT c.code, c.expires_at FROM reward_order_units u JOIN coupons c ON c.redemption_id = u.grant_id
                  WHERE u.order_id = ? AND u.line_no = ? ORDER BY u.unit_no",
                args![&row.order_id, row.line_no],
            )
            .await?
            .into_iter()
            .map(|c| ClaimedCode {
                code: c.code,
                offer: coupon::offer_in_words(&coupon::discount(reward.kind, &reward.discount, None), ctx.lang()),
                expires_at: c.expires_at.map(Timestamp),
            })
            .collect(),
    };
    let store = program::load(ctx).await.map(|p| p.name.clone()).unwrap_or_default();
    Reply::json(
        200,
        &ClaimView {
            store,
            reward: RewardView::of(&reward, ctx.lang()),
            quantity: row.quantity,
            personalization: row.personalization.as_deref().map(serde_json::from_str).transpose()?,
            claimed_at: row.claimed_at.map(Timestamp),
            codes,
        },
    )
}
