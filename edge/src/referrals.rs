//! Referrals: a member's code and link (`GET /v1/me/referral`), a friend's
//! sign-up through it with the friend's reward given free
//! (`POST /v1/referrals`), and the referrer's points on the friend's first
//! qualifying order, written by the purchase's own batch ([`on_purchase`])
//! and cancelled by a full refund while still pending ([`on_refund`]).
//! Who may sign up is core's decision (`loyalty_core::referral`); the
//! schema re-checks it inside the write (migration 0015).

use loyalty_core::earn::PurchaseEarning;
use loyalty_core::ids::check_id;
use loyalty_core::import;
use loyalty_core::numbers::MAX_SAFE;
use loyalty_core::program::ReferralOffer;
use loyalty_core::referral::{self, Friend, Referrer, Refused};
use loyalty_core::wire::{ReferralReceipt, ReferralRequest, ReferralSummary};
use loyalty_core::Timestamp;
use serde::Deserialize;
use worker::D1PreparedStatement;

use crate::args;
use crate::db::{rows, Conflict, Db};
use crate::error::{Error, Result};
use crate::http::{fill_random, random_id, Ctx, Reply};
use crate::members;
use crate::redemptions::{coupon_stmt, coupon_summary, Issuer};
use crate::write::{Begin, Outcome, Write};
use crate::{program, rewards};

fn offer(program: &loyalty_core::program::Program) -> Result<&ReferralOffer> {
    program.referral.as_ref().ok_or_else(|| Error::NotFound("the program has no referral offer".into()))
}

#[derive(Deserialize)]
struct CodeRow {
    code: String,
    referred: i64,
    completed: i64,
    points_earned: i64,
    points_pending: i64,
}

/// The member's code and what it brought, when the member has a code.
const SUMMARY: &str = "SELECT c.code,
        (SELECT COUNT(*) FROM referrals r WHERE r.referrer_id = c.customer_id) AS referred,
        (SELECT COUNT(*) FROM referrals r WHERE r.referrer_id = c.customer_id AND r.status = 'completed') AS completed,
        (SELECT COALESCE(SUM(r.points), 0) FROM referrals r
          WHERE r.referrer_id = c.customer_id AND r.status = 'completed') AS points_earned,
        (SELECT COALESCE(SUM(p.points), 0) FROM pending_points p
          WHERE p.customer_id = c.customer_id AND p.cause LIKE 'referral:%') AS points_pending
   FROM referral_codes c WHERE c.customer_id = ?";

/// `GET /v1/me/referral`: the member's code (made on first ask, the same
/// ever after), link and counts.
pub async fn mine(ctx: &Ctx, customer_id: &str) -> Result<Reply> {
    let program = program::load(ctx).await?;
    let offer = offer(&program)?;
    let db = ctx.db()?;
    let mut found: Option<CodeRow> = db.first(SUMMARY, args![customer_id]).await?;
    // A new code; another request making one at the same moment wins the
    // member's UNIQUE and both read its code. A code already taken (about
    // one chance in 2^40 per member) is drawn again.
    for _ in 0..3 {
        if found.is_some() {
            break;
        }
        let code = referral::new_code(&mut fill_random);
        let res = db
            .batch(vec![
                members::ensure_member(&db, customer_id, ctx.now)?,
                db.stmt(
                    "INSERT INTO referral_codes (code, customer_id, created_at)
                     SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM referral_codes WHERE customer_id = ?2)
                     ON CONFLICT DO NOTHING",
                    args![&code, customer_id, ctx.now.0],
                )?,
                db.stmt(SUMMARY, args![customer_id])?,
            ])
            .await?;
        found = rows::<CodeRow>(&res, 2)?.into_iter().next();
    }
    let row = found.ok_or_else(|| Error::Internal("no referral code could be made".into()))?;
    let summary = ReferralSummary {
        url: referral::link(&offer.landing_url, &row.code),
        code: row.code,
        referred: row.referred,
        completed: row.completed,
        points_earned: row.points_earned,
        points_pending: row.points_pending,
        offer: program.referral_in_words(ctx.lang()).unwrap_or_default(),
    };
    Reply::json(200, &summary)
}

#[derive(Deserialize)]
struct ReferrerRow {
    customer_id: String,
    email: Option<String>,
}

#[derive(Deserialize)]
struct FriendRow {
    email: Option<String>,
    referred: i64,
    ordered: i64,
}

#[derive(Deserialize)]
struct Issued {
    code: String,
    expires_at: Option<i64>,
}

/// `POST /v1/referrals`: the friend signs up through a member's code and
/// gets the program's friend reward, free.
pub async fn sign_up(ctx: &mut Ctx) -> Result<Reply> {
    let (req, raw): (ReferralRequest, _) = ctx.json().await?;
    check_id("customer_id", &req.customer_id)?;
    if let Some(issue) = req.email.as_deref().map(str::trim).and_then(import::check_email) {
        return Err(Error::Core(loyalty_core::Error::Invalid(vec![issue])));
    }
    ctx.member = Some(req.customer_id.clone());
    let mut w = match Write::begin(ctx, "server", &raw).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    let program = program::load(ctx).await?;
    let offer = offer(&program)?;
    let now = ctx.now;
    let friend_id = req.customer_id.as_str();
    let given_email = req.email.as_deref().map(|e| e.trim().to_lowercase());
    // An impossible code is unknown without a lookup.
    let code = referral::normalize(&req.code).ok_or(Error::ReferralInvalid(Refused::UnknownCode))?;
    let db = w.db();
    let read = db
        .batch(vec![
            db.stmt(
                "SELECT m.customer_id, m.email FROM referral_codes c JOIN members m ON m.customer_id = c.customer_id
                  WHERE c.code = ?",
                args![&code],
            )?,
            db.stmt(
                "SELECT m.email,
                        EXISTS (SELECT 1 FROM referrals r
                                 WHERE r.friend_id = ?1 OR r.friend_email = lower(trim(COALESCE(?2, m.email)))) AS referred,
                        EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = ?1) AS ordered
                   FROM (SELECT ?1 AS id) x LEFT JOIN members m ON m.customer_id = x.id",
                args![friend_id, given_email.as_deref()],
            )?,
        ])
        .await?;
    let referrer = rows::<ReferrerRow>(&read, 0)?
        .into_iter()
        .next()
        .map(|r| Referrer { customer_id: r.customer_id, email: r.email });
    let f = rows::<FriendRow>(&read, 1)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Internal("the friend's read answered no row".into()))?;
    let email = given_email.clone().or_else(|| f.email.map(|e| e.trim().to_lowercase()));
    let friend =
        Friend { customer_id: friend_id, email: email.as_deref(), referred: f.referred != 0, ordered: f.ordered != 0 };
    referral::check(referrer.as_ref(), &friend).map_err(Error::ReferralInvalid)?;
    let referrer = referrer.ok_or(Error::ReferralInvalid(Refused::UnknownCode))?;

    // The friend's reward, from the catalog; a reward switched off (or
    // gone) gives no coupon, and the referral still counts.
    let catalog = rewards::catalog(ctx).await?;
    let reward = catalog.iter().find(|r| r.reward_id == offer.friend_reward_id && r.active);
    let referral_id = random_id("ref");
    let grant_id = random_id("grt");
    let mut stmts = vec![
        members::ensure_member(db, friend_id, now)?,
        db.stmt(
            "INSERT INTO referrals (referral_id, code, referrer_id, friend_id, friend_email, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
            args![&referral_id, &code, &referrer.customer_id, friend_id, email.as_deref(), now.0],
        )?,
    ];
    if let Some(reward) = reward {
        stmts.push(db.stmt(
            "INSERT INTO reward_grants (grant_id, customer_id, reward_id, cause, created_at)
             SELECT ?1, ?2, reward_id, ?3, ?4 FROM rewards WHERE reward_id = ?5 AND active = 1",
            args![&grant_id, friend_id, format!("referral:{referral_id}"), now.0, &reward.reward_id],
        )?);
        stmts.push(coupon_stmt(db, reward, Issuer::Grant(&grant_id), friend_id, now)?);
        stmts.push(db.stmt(
            "UPDATE referrals SET coupon_code = (SELECT code FROM coupons WHERE redemption_id = ?1) WHERE referral_id = ?2",
            args![&grant_id, &referral_id],
        )?);
    }
    stmts.push(db.stmt("SELECT code, expires_at FROM coupons WHERE redemption_id = ?", args![&grant_id])?);
    let last = stmts.len() - 1;
    let done = match w.commit(stmts).await? {
        Outcome::Done(done) => done,
        Outcome::Replayed(r) => return Ok(r),
        // The friend was referred by a request that won the race.
        Outcome::Refused(Conflict::Duplicate { table }) if table == "referrals" => {
            return Err(Error::ReferralInvalid(Refused::AlreadyReferred));
        }
        Outcome::Refused(Conflict::Referral(r)) => return Err(Error::ReferralInvalid(r)),
        Outcome::Refused(c) => return Err(Error::Internal(format!("referral: {c:?}"))),
    };
    let coupon = match (reward, done.rows::<Issued>(last)?.into_iter().next()) {
        (Some(reward), Some(issued)) => Some(coupon_summary(ctx, reward, issued.code, issued.expires_at).await),
        _ => None,
    };
    w.finish(Reply::json(201, &ReferralReceipt { referral_id, coupon })?).await
}

/// The statements a purchase's batch adds when the program has a referral
/// offer and the order qualifies: the friend's referral (if any, and not
/// yet completed) is completed by this order, and the referrer's points
/// are written as the purchase's `earning` is, pending until it becomes
/// spendable, with the same expiry. A referrer whose balance could not take them (past
/// 2^53 - 1) gets none rather than fail the friend's purchase.
pub fn on_purchase(
    db: &Db,
    offer: &ReferralOffer,
    friend_id: &str,
    order_id: &str,
    amount_minor: i64,
    earning: &PurchaseEarning,
    now: Timestamp,
) -> Result<Vec<D1PreparedStatement>> {
    let (available_at, expires_at) = (earning.available_at, earning.expires_at);
    if !referral::qualifies(offer, amount_minor) {
        return Ok(Vec::new());
    }
    let mut stmts = vec![db.stmt(
        "UPDATE referrals SET status = 'completed', order_id = ?1, points = ?2, completed_at = ?3
          WHERE friend_id = ?4 AND status = 'signed_up'",
        args![order_id, offer.referrer_points, now.0, friend_id],
    )?];
    let expires_at = expires_at.map(|t| t.0);
    stmts.push(if available_at > now {
        db.stmt(
            "INSERT INTO pending_points (customer_id, order_id, points, available_at, expires_at, created_at, cause)
             SELECT referrer_id, NULL, points, ?2, ?3, ?4, 'referral:' || referral_id
               FROM referrals WHERE order_id = ?1 AND points > 0",
            args![order_id, available_at.0, expires_at, now.0],
        )?
    } else {
        db.stmt(
            "INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, cause)
             SELECT r.referrer_id, 'earn', r.points, ?2, ?3, 'referral:' || r.referral_id
               FROM referrals r JOIN members m ON m.customer_id = r.referrer_id
              WHERE r.order_id = ?1 AND r.points > 0
                AND m.balance <= ?4 - r.points AND m.lifetime_earned <= ?4 - r.points",
            args![order_id, now.0, expires_at, MAX_SAFE],
        )?
    });
    Ok(stmts)
}

/// The statements a refund's batch adds for an order that completed a
/// referral: once the order is refunded in full, the referrer's points
/// still pending are cancelled with the referral (spendable points stay).
pub fn on_refund(db: &Db, order_id: &str) -> Result<Vec<D1PreparedStatement>> {
    Ok(vec![
        db.stmt(
            "UPDATE referrals SET status = 'cancelled'
              WHERE order_id = ?1 AND status = 'completed'
                AND (SELECT refunded_minor >= amount_minor FROM orders WHERE order_id = ?1)
                AND EXISTS (SELECT 1 FROM pending_points p WHERE p.cause = 'referral:' || referrals.referral_id AND p.points > 0)",
            args![order_id],
        )?,
        db.stmt(
            "UPDATE pending_points SET points = 0
              WHERE cause = (SELECT 'referral:' || referral_id FROM referrals WHERE order_id = ? AND status = 'cancelled')",
            args![order_id],
        )?,
    ])
}
