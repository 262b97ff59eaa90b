//! The rewards catalog (API key): D1 is the truth, KV a read snapshot
//! rewritten after every change, and pools of pre-made coupon codes.

use loyalty_core::coupon;
use loyalty_core::ids::check_id;
use loyalty_core::reward::Reward;
use loyalty_core::wire::{CouponPoolRequest, CouponsInfo, PoolAdded, RewardDetail, RewardList};
use std::rc::Rc;

use serde::Deserialize;

use crate::args;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::http::{Ctx, Reply};
use crate::snapshot;
use crate::write::{Begin, Outcome, Write};

const KV_KEY: &str = "catalog";

#[derive(Deserialize)]
struct Body {
    body: String,
}

/// A reward as stored in D1 (validated when it was saved).
pub fn parse(body: &str) -> Result<Reward> {
    serde_json::from_str(body).map_err(|e| Error::Internal(format!("stored reward is invalid: {e}")))
}

/// One reward from D1, the source of truth (used where a decision depends on it).
async fn find(db: &Db, reward_id: &str) -> Result<Option<Reward>> {
    let row: Option<Body> = db.first("SELECT body FROM rewards WHERE reward_id = ?", args![reward_id]).await?;
    row.map(|r| parse(&r.body)).transpose()
}

thread_local! {
    static MEMO: snapshot::Slot<Vec<Reward>> = const { std::cell::RefCell::new(None) };
}

/// The whole catalog for display: memoised in the isolate, else the KV
/// snapshot, else rebuilt from D1.
pub async fn catalog(ctx: &Ctx) -> Result<Rc<Vec<Reward>>> {
    if let Some(c) = snapshot::get(&MEMO, ctx.now.0) {
        return Ok(c);
    }
    let all = match ctx.kv()?.get(KV_KEY).text().await? {
        Some(json) => serde_json::from_str(&json)?,
        None => refresh_snapshot(ctx).await?,
    };
    Ok(snapshot::put(&MEMO, ctx.now.0, all))
}

async fn all_from_db(db: &Db) -> Result<Vec<Reward>> {
    let rows: Vec<Body> = db.all("SELECT body FROM rewards ORDER BY points_cost, reward_id", args![]).await?;
    rows.iter().map(|r| parse(&r.body)).collect()
}

async fn refresh_snapshot(ctx: &Ctx) -> Result<Vec<Reward>> {
    let all = all_from_db(&ctx.db()?).await?;
    ctx.kv()?.put(KV_KEY, serde_json::to_string(&all)?)?.execute().await?;
    snapshot::clear(&MEMO);
    Ok(all)
}

/// `PUT /v1/rewards/{id}`.
pub async fn put(ctx: &mut Ctx, reward_id: &str) -> Result<Reply> {
    let body = ctx.body().await?;
    let reward = Reward::from_json(reward_id, &body)?;
    let json = serde_json::to_string(&reward)?;
    ctx.db()?
        .stmt(
            "INSERT INTO rewards (reward_id, body, active, points_cost, per_member_limit, total_limit, pool_only, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (reward_id) DO UPDATE SET body = excluded.body, active = excluded.active,
               points_cost = excluded.points_cost, per_member_limit = excluded.per_member_limit,
               total_limit = excluded.total_limit, pool_only = excluded.pool_only, updated_at = excluded.updated_at",
            args![
                reward_id,
                &json,
                reward.active,
                reward.points_cost,
                reward.limits.per_member,
                reward.limits.total,
                reward.coupon.pool_only,
                ctx.now.0
            ],
        )?
        .run()
        .await?;
    refresh_snapshot(ctx).await?;
    Reply::json(200, &reward)
}

#[derive(Deserialize)]
struct Counts {
    total: i64,
    issued: Option<i64>,
    redeemed: Option<i64>,
}

/// How many codes a reward has, generated or pooled (seed 004's
/// `coupons_info`), how many are handed out, and how many were used.
async fn pool_counts(db: &Db, reward_id: &str) -> Result<CouponsInfo> {
    let c: Option<Counts> = db
        .first(
            "SELECT COUNT(*) AS total, SUM(redemption_id IS NOT NULL) AS issued, SUM(used_at IS NOT NULL) AS redeemed
               FROM coupons WHERE reward_id = ?",
            args![reward_id],
        )
        .await?;
    Ok(c.map_or_else(CouponsInfo::default, |c| CouponsInfo {
        total: c.total,
        issued: c.issued.unwrap_or(0),
        redeemed: c.redeemed.unwrap_or(0),
    }))
}

/// `GET /v1/rewards/{id}`: the reward and its pool counts.
pub async fn get(ctx: &mut Ctx, reward_id: &str) -> Result<Reply> {
    check_id("reward_id", reward_id)?;
    let db = ctx.db()?;
    let reward = find(&db, reward_id).await?.ok_or_else(|| Error::NotFound(format!("no reward {reward_id}")))?;
    let coupons_info = pool_counts(&db, reward_id).await?;
    Reply::json(200, &RewardDetail { reward, coupons_info })
}

/// `GET /v1/rewards`: all rewards, active and inactive.
pub async fn list(ctx: &mut Ctx) -> Result<Reply> {
    Reply::json(200, &RewardList { rewards: all_from_db(&ctx.db()?).await? })
}

/// `DELETE /v1/rewards/{id}`: deactivate; history keeps it.
pub async fn delete(ctx: &mut Ctx, reward_id: &str) -> Result<Reply> {
    check_id("reward_id", reward_id)?;
    let db = ctx.db()?;
    let mut reward = find(&db, reward_id).await?.ok_or_else(|| Error::NotFound(format!("no reward {reward_id}")))?;
    reward.active = false;
    db.stmt(
        "UPDATE rewards SET body = ?, active = 0, updated_at = ? WHERE reward_id = ?",
        args![serde_json::to_string(&reward)?, ctx.now.0, reward_id],
    )?
    .run()
    .await?;
    refresh_snapshot(ctx).await?;
    Reply::json(200, &reward)
}

/// `POST /v1/rewards/{id}/coupons`: add pre-made codes to the pool.
pub async fn add_pool(ctx: &mut Ctx, reward_id: &str) -> Result<Reply> {
    check_id("reward_id", reward_id)?;
    let (req, raw): (CouponPoolRequest, _) = ctx.json().await?;
    let mut w = match Write::begin(ctx, "server", &raw).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    if req.codes.is_empty() || req.codes.len() > 1000 {
        return Err(Error::invalid("codes", "must hold 1 to 1000 codes"));
    }
    let mut codes = Vec::with_capacity(req.codes.len());
    let mut issues = Vec::new();
    for (i, c) in req.codes.iter().enumerate() {
        match coupon::normalize_pool_code(c) {
            Some(c) => codes.push(c),
            None => issues.push(loyalty_core::error::Issue::new(
                format!("codes[{i}]"),
                "must be 8 to 64 characters of A-Z 0-9 - _ (shorter codes can be guessed)",
            )),
        }
    }
    if !issues.is_empty() {
        return Err(Error::Core(loyalty_core::Error::Invalid(issues)));
    }
    if find(w.db(), reward_id).await?.is_none() {
        return Err(Error::NotFound(format!("no reward {reward_id}")));
    }
    let stmts = codes
        .iter()
        .map(|c| {
            w.db().stmt(
                "INSERT INTO coupons (code, reward_id, pooled, created_at) VALUES (?, ?, 1, ?) ON CONFLICT (code) DO NOTHING",
                args![c, reward_id, ctx.now.0],
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let done = match w.commit(stmts).await? {
        Outcome::Done(done) => done,
        Outcome::Replayed(r) => return Ok(r),
        Outcome::Refused(c) => return Err(Error::Internal(format!("pool insert: {c:?}"))),
    };
    let duplicates: Vec<String> =
        codes.iter().enumerate().filter(|(i, _)| done.changes(*i) == 0).map(|(_, c)| c.clone()).collect();
    let coupons_info = pool_counts(w.db(), reward_id).await?;
    let reply = Reply::json(
        201,
        &PoolAdded {
            reward_id: reward_id.into(),
            added: (codes.len() - duplicates.len()) as i64,
            duplicates,
            coupons_info,
        },
    )?;
    w.finish(reply).await
}
