//! Redeeming points for a reward: one D1 batch that debits the ledger,
//! records the redemption and issues (or claims) the coupon, guarded by the
//! schema so racing redemptions cannot overdraw or share a pool code.

use std::collections::BTreeMap;

use loyalty_core::coupon;
use loyalty_core::ids::check_id;
use loyalty_core::redemption::{self, Usage};
use loyalty_core::reward::{self, AttributeValue, Reward};
use loyalty_core::wire::{CouponSummary, RedeemRequest, RedemptionReceipt};
use loyalty_core::{Refusal, Timestamp};
use serde::Deserialize;

use crate::args;
use crate::auth::{self, Budget};
use crate::db::{rows, Conflict, Db};
use crate::error::{Error, Result};
use crate::http::{fill_random, random_id, Ctx, Reply};
use crate::members::{self, MemberRow};
use crate::write::{Outcome, Write};
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
/// request budget, checked before any write.
///
/// Two ways through, chosen by core ([`redemption::needs_only_balance`]):
/// - a reward open to everyone is *written first*, in one D1 round trip:
///   the schema's guards make every check `decide` would make (balance,
///   limits, availability, pool), and a refusal is explained afterwards.
///   The reward comes from the catalog snapshot, so the write is guarded
///   by the stored reward being exactly that one; if it changed, nothing
///   is written and the request takes the second way.
/// - otherwise the member and the reward are read from D1, core decides,
///   and the same write follows.
pub async fn redeem(ctx: &mut Ctx, customer_id: &str, principal: &str, budget: Budget) -> Result<Reply> {
    let (req, raw): (RedeemRequest, _) = ctx.json().await?;
    check_id("reward_id", &req.reward_id)?;
    // The key is looked up in the decision's read batch, or not at all
    // when the write comes first (its reservation is the lookup).
    let mut w = Write::deferred(ctx, principal, &raw)?;

    let mut budget = Some(budget);
    let snapshot = rewards::catalog(ctx).await.ok();
    if let Some(reward) = snapshot.as_ref().and_then(|c| c.iter().find(|r| r.reward_id == req.reward_id)) {
        if redemption::needs_only_balance(reward) {
            reward::check_attributes(&reward.transaction_attributes, &req.attributes)?;
            budget.take().unwrap_or_else(Budget::unlimited).check().await?;
            let expected = serde_json::to_string(reward)?;
            let write = Redemption { customer_id, reward, expected_body: Some(&expected), said: &req.attributes };
            // `None`: the catalog changed under the snapshot and nothing
            // was written but the key's reservation, which `w` now holds.
            if let Some(reply) = write.run(ctx, &mut w).await? {
                return Ok(reply);
            }
        }
    }

    let budget = budget.unwrap_or_else(Budget::unlimited);
    let result = decide_and_write(ctx, &mut w, customer_id, &req, budget).await;
    if result.is_err() {
        // Refused (or failed) after the snapshot's batch reserved the key:
        // give it back, or a retry would wait a day for a request that is over.
        w.abandon().await?;
    }
    result
}

/// Reads what the decision needs in one round trip (D1 is the truth for
/// the reward here, not the KV snapshot), the Idempotency-Key's record with
/// it unless this request already holds the key, while the budget is
/// checked; then decides in core and writes.
async fn decide_and_write(
    ctx: &mut Ctx,
    w: &mut Write,
    customer_id: &str,
    req: &RedeemRequest,
    budget: Budget,
) -> Result<Reply> {
    let reward_id = req.reward_id.as_str();
    let now = ctx.now;
    let program = program::load(ctx).await.ok();
    let db = w.db();
    let mut reads = vec![
        members::member_stmt(db, customer_id)?,
        db.stmt(
            "SELECT body, redeemed_count AS total,
                    (SELECT COUNT(*) FROM redemptions WHERE customer_id = ?1 AND reward_id = ?2) AS by_member
               FROM rewards WHERE reward_id = ?2",
            args![customer_id, reward_id],
        )?,
    ];
    if let Some(lookup) = w.lookup_stmt()? {
        reads.push(lookup);
    }
    let res = auth::with_budget(budget, db.batch(reads)).await?;
    if let Some(earlier) = w.replay(&res, 2)? {
        return Ok(earlier);
    }
    let member = rows::<MemberRow>(&res, 0)?.into_iter().next().unwrap_or_else(|| MemberRow::unseen(customer_id, now));
    let stored = rows::<RewardRow>(&res, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(format!("no reward {reward_id}")))?;
    let reward = rewards::parse(&stored.body)?;
    reward::check_attributes(&reward.transaction_attributes, &req.attributes)?;
    let usage = Usage { by_member: stored.by_member as u32, total: stored.total as u32 };
    redemption::decide(&reward, &member.attributes(program.as_deref(), now), member.balance, usage, now)
        .map_err(Error::refused)?;
    let write = Redemption { customer_id, reward: &reward, expected_body: None, said: &req.attributes };
    write.run(ctx, w).await?.ok_or_else(|| Error::Internal("redemption vanished".into()))
}

/// One redemption's write: a single D1 batch (through the write path,
/// which reserves the Idempotency-Key in it) that debits the ledger,
/// records the redemption and issues (or claims) the coupon.
struct Redemption<'a> {
    customer_id: &'a str,
    reward: &'a Reward,
    /// Write only if the stored reward is still exactly this JSON.
    expected_body: Option<&'a str>,
    /// What the redemption says about itself (checked against the reward
    /// before any write, whichever way it goes), stored with it, with the
    /// names the reward gives them.
    said: &'a BTreeMap<String, AttributeValue>,
}

impl Redemption<'_> {
    /// The receipt, or `None` when `expected_body` no longer matched and
    /// nothing was written but the key's reservation.
    async fn run(&self, ctx: &Ctx, w: &mut Write) -> Result<Option<Reply>> {
        let (customer_id, reward, now) = (self.customer_id, self.reward, ctx.now);
        let db = w.db();
        // The schema re-checks what could have changed since any read: the
        // balance CHECK, the redemption triggers (active, limits, pool) and
        // UNIQUE(coupons.redemption_id).
        let redemption_id = random_id("rdm");
        let (attributes, labels) = if self.said.is_empty() {
            (None, None)
        } else {
            let labels = reward::attribute_labels(&reward.transaction_attributes, self.said);
            (Some(serde_json::to_string(self.said)?), Some(serde_json::to_string(&labels)?))
        };
        let mut stmts = vec![members::ensure_member(db, customer_id, now)?];
        stmts.push(db.stmt(
            "INSERT INTO redemptions (redemption_id, customer_id, reward_id, points, created_at, attributes, attribute_labels)
             SELECT ?1, ?2, reward_id, points_cost, ?3, ?6, ?7 FROM rewards WHERE reward_id = ?4 AND (?5 IS NULL OR body = ?5)",
            args![&redemption_id, customer_id, now.0, &reward.reward_id, self.expected_body, attributes, labels],
        )?);
        // The debit is posted by the `redemptions_debit` trigger.
        stmts.push(coupon_stmt(db, reward, Issuer::Redemption(&redemption_id), customer_id, now)?);
        stmts.push(db.stmt(
            "SELECT r.points, m.balance, c.code, c.expires_at
               FROM redemptions r JOIN members m ON m.customer_id = r.customer_id
               JOIN coupons c ON c.redemption_id = r.redemption_id
              WHERE r.redemption_id = ?",
            args![&redemption_id],
        )?);
        let last = stmts.len() - 1;
        let done = match w.commit(stmts).await? {
            Outcome::Done(done) => done,
            Outcome::Replayed(r) => return Ok(Some(r)),
            Outcome::Refused(c) => return refusal(w.db(), c, customer_id, reward.points_cost, now).await.map(Some),
        };
        let Some(issued) = done.rows::<Issued>(last)?.into_iter().next() else {
            return Ok(None);
        };
        let receipt = RedemptionReceipt {
            redemption_id,
            reward_id: reward.reward_id.clone(),
            points_debited: issued.points,
            balance_after: issued.balance,
            coupon: coupon_summary(ctx, reward, issued.code, issued.expires_at).await,
            after_text: reward.texts_in(ctx.lang()).map(|t| t.after.clone()).filter(|t| !t.is_empty()),
        };
        w.finish(Reply::json(201, &receipt)?).await.map(Some)
    }
}

/// What issues a coupon: a redemption, or a reward given free.
pub enum Issuer<'a> {
    /// `redemptions.redemption_id`.
    Redemption(&'a str),
    /// `reward_grants.grant_id` (a referred friend's reward).
    Grant(&'a str),
}

/// The statement that issues `reward`'s coupon to `customer_id`, for the
/// issuer's batch, once the issuer's row is written in it (none if it was
/// not): the reward's oldest unclaimed pool code if it has one (the insert
/// becomes a claim of that row), else a generated code, else none (a
/// pool-only reward with an empty pool). The coupon names its issuer in
/// `redemption_id`, which is UNIQUE.
pub fn coupon_stmt(
    db: &Db,
    reward: &Reward,
    issuer: Issuer<'_>,
    customer_id: &str,
    now: Timestamp,
) -> Result<worker::D1PreparedStatement> {
    let (issued_by, written) = match issuer {
        Issuer::Redemption(id) => (id, "SELECT 1 FROM redemptions WHERE redemption_id = ?3"),
        Issuer::Grant(id) => (id, "SELECT 1 FROM reward_grants WHERE grant_id = ?3"),
    };
    let generated = (!reward.coupon.pool_only).then(|| coupon::generate(&reward.coupon.prefix, &mut fill_random));
    let discount = serde_json::to_string(&reward.discount)?;
    let expires_at = redemption::coupon_expiry(reward, now).map(|t| t.0);
    db.stmt(
        &format!(
            "INSERT INTO coupons (code, reward_id, pooled, redemption_id, customer_id, issued_at, expires_at,
                                  min_order_minor, kind, discount, created_at)
             SELECT c.code, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?5
               FROM (SELECT COALESCE((SELECT code FROM coupons
                                       WHERE reward_id = ?2 AND pooled = 1 AND redemption_id IS NULL
                                       ORDER BY created_at, code LIMIT 1), ?1) AS code) c
              WHERE c.code IS NOT NULL AND EXISTS ({written})
             ON CONFLICT (code) DO UPDATE
                SET redemption_id = excluded.redemption_id, customer_id = excluded.customer_id,
                    issued_at = excluded.issued_at, expires_at = excluded.expires_at,
                    min_order_minor = excluded.min_order_minor, kind = excluded.kind, discount = excluded.discount
              WHERE coupons.pooled = 1 AND coupons.redemption_id IS NULL"
        ),
        args![
            generated,
            &reward.reward_id,
            issued_by,
            customer_id,
            now.0,
            expires_at,
            reward.coupon.min_order_minor,
            reward.kind.as_str(),
            &discount
        ],
    )
}

/// An issued coupon of `reward` as the shopper reads it. The program
/// (memoised in the isolate) is read only when a minimum order must be
/// worded in the store's currency.
pub async fn coupon_summary(ctx: &Ctx, reward: &Reward, code: String, expires_at: Option<i64>) -> CouponSummary {
    let discount = coupon::discount(reward.kind, &reward.discount, None);
    let store_currency = if CouponSummary::needs_store_currency(&discount, reward.coupon.min_order_minor) {
        program::load(ctx).await.ok()
    } else {
        None
    };
    CouponSummary::new(
        code,
        expires_at.map(Timestamp),
        discount,
        reward.coupon.min_order_minor,
        store_currency.as_ref().map(|p| p.currency.as_str()),
        ctx.lang(),
    )
}

/// Turns a guard that fired into the refusal a shopper can act on.
async fn refusal(db: &Db, c: Conflict, customer_id: &str, cost: i64, now: Timestamp) -> Result<Reply> {
    Err(match c {
        Conflict::InsufficientPoints => {
            let balance = members::load(db, customer_id, now, members::Ledger::None).await?.row.balance;
            Error::refused(Refusal::InsufficientPoints { needed: cost, shortfall: (cost - balance).max(1) })
        }
        Conflict::RewardInactive => Error::refused(Refusal::Inactive),
        Conflict::PoolEmpty => Error::refused(Refusal::PoolEmpty),
        Conflict::LimitReached { per_member } => Error::refused(Refusal::LimitReached { per_member }),
        other => Error::Internal(format!("redemption: {other:?}")),
    })
}
