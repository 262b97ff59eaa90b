//! Redeeming points for a reward: one D1 batch that debits the ledger,
//! records the redemption and issues (or claims) the coupon, guarded by the
//! schema so racing redemptions cannot overdraw or share a pool code.

use loyalty_core::coupon;
use loyalty_core::ids::check_id;
use loyalty_core::redemption::{self, Usage};
use loyalty_core::wire::{CouponSummary, RedeemRequest, RedemptionReceipt};
use loyalty_core::{Refusal, Timestamp};
use serde::Deserialize;

use crate::args;
use crate::auth::{self, Budget};
use crate::db::{rows, Conflict};
use crate::error::{Error, Result};
use crate::http::{fill_random, random_id, Ctx, Reply};
use crate::idempotency;
use crate::members::{self, MemberRow};
use crate::{program, rewards};

#[derive(Deserialize)]
struct RewardRow {
    body: String,
    by_member: i64,
    total: i64,
}

#[derive(Deserialize)]
struct Issued {
    points: i64,
    balance: i64,
    code: String,
    expires_at: Option<i64>,
}

/// `POST /v1/me/redemptions` and `POST /v1/members/{id}/redemptions`.
/// `principal` scopes the Idempotency-Key; `budget` is the shopper's
/// request budget, checked beside the read and before any write.
pub async fn redeem(ctx: &mut Ctx, customer_id: &str, principal: &str, budget: Budget) -> Result<Reply> {
    let (req, raw): (RedeemRequest, _) = ctx.json().await?;
    check_id("reward_id", &req.reward_id)?;
    let key = idempotency::key(ctx, principal, &raw)?;
    let now = ctx.now;
    let db = ctx.db()?;
    let program = program::load(ctx).await.ok();

    // Read what the decision needs in one round trip (D1 is the truth for
    // the reward here, not the KV snapshot), the Idempotency-Key's record
    // with it, while the budget is checked; then decide in core.
    let mut reads = vec![
        members::member_stmt(&db, customer_id)?,
        db.stmt(
            "SELECT body, redeemed_count AS total,
                    (SELECT COUNT(*) FROM redemptions WHERE customer_id = ?1 AND reward_id = ?2) AS by_member
               FROM rewards WHERE reward_id = ?2",
            args![customer_id, &req.reward_id],
        )?,
    ];
    if let Some(k) = &key {
        reads.push(k.lookup_stmt(&db, now.0)?);
    }
    let res = auth::with_budget(budget, db.batch(reads)).await?;
    if let Some(earlier) = key.as_ref().map(|k| k.replay(&res, 2)).transpose()?.flatten() {
        return Ok(earlier);
    }
    let member = rows::<MemberRow>(&res, 0)?.into_iter().next().unwrap_or_else(|| MemberRow::unseen(customer_id, now));
    let stored = rows::<RewardRow>(&res, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(format!("no reward {}", req.reward_id)))?;
    let reward = rewards::parse(&stored.body)?;
    let usage = Usage { by_member: stored.by_member as u32, total: stored.total as u32 };
    let grant = redemption::decide(&reward, &member.attributes(program.as_deref()), member.balance, usage, now)
        .map_err(Error::refused)?;

    // Write, guarded: the balance CHECK, the redemption triggers (active,
    // limits, pool) and UNIQUE(coupons.redemption_id) re-check what could
    // have changed since the read.
    let redemption_id = random_id("rdm");
    let discount = serde_json::to_string(&reward.discount)?;
    let expires_at = grant.coupon_expires_at.map(|t| t.0);
    let mut stmts = idempotency::reserve(&key, &db, now.0)?;
    stmts.push(members::ensure_member(&db, customer_id, now)?);
    stmts.push(db.stmt(
        "INSERT INTO redemptions (redemption_id, customer_id, reward_id, points, created_at)
         SELECT ?, ?, reward_id, points_cost, ? FROM rewards WHERE reward_id = ?",
        args![&redemption_id, customer_id, now.0, &req.reward_id],
    )?);
    stmts.push(db.stmt(
        "INSERT INTO ledger (customer_id, kind, points, created_at, reward_id, redemption_id, reason, cause)
         SELECT customer_id, 'redeem', -points, created_at, reward_id, redemption_id, ?, 'redeem:' || redemption_id
           FROM redemptions WHERE redemption_id = ?",
        args![format!("Redeemed: {}", reward.name), &redemption_id],
    )?);
    stmts.push(db.stmt(
        "UPDATE coupons SET redemption_id = ?1, customer_id = ?2, issued_at = ?3, expires_at = ?4,
                            min_order_minor = ?5, kind = ?6, discount = ?7
          WHERE code = (SELECT code FROM coupons WHERE reward_id = ?8 AND pooled = 1 AND redemption_id IS NULL
                         ORDER BY created_at, code LIMIT 1)",
        args![
            &redemption_id,
            customer_id,
            now.0,
            expires_at,
            reward.coupon.min_order_minor,
            reward.kind.as_str(),
            &discount,
            &req.reward_id
        ],
    )?);
    if !reward.coupon.pool_only {
        let code = coupon::generate(&reward.coupon.prefix, &mut fill_random);
        stmts.push(db.stmt(
            "INSERT INTO coupons (code, reward_id, pooled, redemption_id, customer_id, issued_at, expires_at,
                                  min_order_minor, kind, discount, created_at)
             SELECT ?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?5
              WHERE NOT EXISTS (SELECT 1 FROM coupons WHERE redemption_id = ?3)",
            args![
                &code,
                &req.reward_id,
                &redemption_id,
                customer_id,
                now.0,
                expires_at,
                reward.coupon.min_order_minor,
                reward.kind.as_str(),
                &discount
            ],
        )?);
    }
    stmts.push(db.stmt(
        "SELECT r.points, m.balance, c.code, c.expires_at
           FROM redemptions r JOIN members m ON m.customer_id = r.customer_id
           JOIN coupons c ON c.redemption_id = r.redemption_id
          WHERE r.redemption_id = ?",
        args![&redemption_id],
    )?);
    let last = stmts.len() - 1;
    let res = match db.try_batch(stmts).await? {
        Ok(r) => r,
        Err(c) => return refusal(ctx, c, customer_id, reward.points_cost, key, now).await,
    };
    let issued =
        rows::<Issued>(&res, last)?.into_iter().next().ok_or_else(|| Error::Internal("redemption vanished".into()))?;
    let receipt = RedemptionReceipt {
        redemption_id,
        reward_id: reward.reward_id.clone(),
        points_debited: issued.points,
        balance_after: issued.balance,
        coupon: CouponSummary {
            code: issued.code,
            expires_at: issued.expires_at.map(Timestamp),
            discount: coupon::discount(reward.kind, &reward.discount, None),
            min_order_minor: reward.coupon.min_order_minor,
        },
    };
    let reply = Reply::json(201, &receipt)?;
    idempotency::complete(&key, &db, &reply).await?;
    Ok(reply)
}

/// Turns a guard that fired into the refusal a shopper can act on.
async fn refusal(
    ctx: &Ctx,
    c: Conflict,
    customer_id: &str,
    cost: i64,
    key: Option<idempotency::Key>,
    now: Timestamp,
) -> Result<Reply> {
    let db = ctx.db()?;
    Err(match c {
        Conflict::InsufficientPoints => {
            let balance = members::load(&db, customer_id, now, members::Ledger::None).await?.row.balance;
            Error::refused(Refusal::InsufficientPoints { needed: cost, shortfall: (cost - balance).max(1) })
        }
        Conflict::RewardInactive => Error::refused(Refusal::Inactive),
        Conflict::PoolEmpty => Error::refused(Refusal::PoolEmpty),
        Conflict::LimitReached { per_member: true } => Error::refused(Refusal::LimitReached(
            "you have already redeemed this reward the maximum number of times".into(),
        )),
        Conflict::LimitReached { per_member: false } => {
            Error::refused(Refusal::LimitReached("this reward has been fully redeemed".into()))
        }
        Conflict::Duplicate { table } if table == "idempotency" => {
            return key.expect("reserved").await_winner(&db, now.0).await;
        }
        other => Error::Internal(format!("redemption: {other:?}")),
    })
}
