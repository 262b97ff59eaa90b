//! Checkout: validating a code and redeeming it on an order, once.

use loyalty_core::coupon::{self, Discount, InvalidReason, IssuedCoupon};
use loyalty_core::ids::check_id;
use loyalty_core::money::is_currency;
use loyalty_core::reward::{DiscountSpec, RewardKind};
use loyalty_core::wire::{
    CouponRedeemRequest, CouponRedemption, CouponSummary, MemberCoupon, MemberCoupons, ValidateRequest,
    ValidateResponse,
};
use loyalty_core::Timestamp;
use serde::Deserialize;
use worker::D1PreparedStatement;

use crate::args;
use crate::auth::{client_address, with_budget, Budget, Limit};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::http::{parse_json, Ctx, Reply};
use crate::program;
use crate::write::{Begin, Outcome, Write};

#[derive(Deserialize)]
struct CouponRow {
    code: String,
    /// None for a code made with points at checkout.
    reward_id: Option<String>,
    customer_id: Option<String>,
    expires_at: Option<i64>,
    min_order_minor: i64,
    kind: Option<String>,
    discount: Option<String>,
    used_at: Option<i64>,
    used_order_id: Option<String>,
    redemption_id: Option<String>,
    issued_at: Option<i64>,
    /// A checkout code's order: it is used on no other.
    #[serde(default)]
    for_order: Option<String>,
}

/// A gift card's discount is what is left on it (its `amount_minor` the
/// balance, migration 0022), so the shopper's list and a validation say
/// what the card can still pay.
const COLUMNS: &str = "code, reward_id, customer_id, expires_at, min_order_minor, kind,
       CASE WHEN kind = 'gift_card'
            THEN json_set(discount, '$.amount_minor', (SELECT g.balance_minor FROM gift_cards g WHERE g.code = coupons.code))
            ELSE discount END AS discount,
       used_at, used_order_id, redemption_id, issued_at";

impl CouponRow {
    fn kind(&self) -> RewardKind {
        self.kind
            .as_deref()
            .and_then(|k| serde_json::from_value(serde_json::Value::String(k.to_owned())).ok())
            .unwrap_or(RewardKind::FreeShipping)
    }

    fn spec(&self) -> DiscountSpec {
        self.discount.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default()
    }

    /// What the code gives, whatever the order.
    fn discount(&self) -> Discount {
        coupon::discount(self.kind(), &self.spec(), None)
    }

    fn issued(&self) -> IssuedCoupon {
        IssuedCoupon {
            customer_id: self.customer_id.clone().unwrap_or_default(),
            used: self.used_at.is_some(),
            expires_at: self.expires_at.map(Timestamp),
            min_order_minor: self.min_order_minor,
            kind: self.kind(),
            spec: self.spec(),
        }
    }
}

/// `GET /v1/me/coupons`: the member's codes not used and not expired,
/// newest first (at most 50; a shopper who holds more has stopped reading).
/// Within one second, the order the redemptions were written in decides.
pub async fn mine(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    let rows: Vec<CouponRow> = ctx
        .db()?
        .all(
            &format!(
                "SELECT {COLUMNS} FROM coupons
                  WHERE customer_id = ? AND used_at IS NULL AND redemption_id IS NOT NULL
                    AND (expires_at IS NULL OR expires_at > ?)
                    AND NOT EXISTS (SELECT 1 FROM gift_cards g WHERE g.code = coupons.code AND g.balance_minor = 0)
                  ORDER BY issued_at DESC,
                           (SELECT rowid FROM redemptions r WHERE r.redemption_id = coupons.redemption_id) DESC
                  LIMIT 50"
            ),
            args![customer_id, ctx.now.0],
        )
        .await?;
    let lang = ctx.lang();
    let rows: Vec<(Discount, CouponRow)> = rows.into_iter().map(|r| (r.discount(), r)).collect();
    let program = if rows.iter().any(|(d, r)| CouponSummary::needs_store_currency(d, r.min_order_minor)) {
        program::load(ctx).await.ok()
    } else {
        None
    };
    let store_currency = program.as_ref().map(|p| p.currency.as_str());
    let coupons = rows
        .into_iter()
        .map(|(discount, r)| MemberCoupon {
            coupon: CouponSummary::new(
                r.code,
                r.expires_at.map(Timestamp),
                discount,
                r.min_order_minor,
                store_currency,
                lang,
            ),
            reward_id: r.reward_id.unwrap_or_default(),
            redemption_id: r.redemption_id.unwrap_or_default(),
            issued_at: Timestamp(r.issued_at.unwrap_or_default()),
        })
        .collect();
    Reply::json(200, &MemberCoupons { coupons })
}

/// Reads an issued coupon (pool codes not yet handed out do not exist for
/// checkout), or a code made with points at checkout, as a fixed amount
/// off that expires when its points are given back.
fn find_stmt(db: &Db, code: &str) -> Result<D1PreparedStatement> {
    db.stmt(
        &format!(
            "SELECT {COLUMNS}, NULL AS for_order FROM coupons WHERE code = ?1 AND redemption_id IS NOT NULL
             UNION ALL
             SELECT code, NULL, customer_id, MIN(expires_at, COALESCE(returned_at, expires_at)), 0,
                    'fixed_amount_discount', json_object('amount_minor', amount_minor, 'currency', currency),
                    used_at, used_order_id, NULL, created_at, order_id
               FROM checkout_codes WHERE code = ?1"
        ),
        args![code],
    )
}

async fn find(db: &Db, code: &str) -> Result<Option<CouponRow>> {
    Ok(find_stmt(db, code)?.first(None).await?)
}

/// `POST /v1/coupons/validate`: always 200 for a well-formed body.
pub async fn validate(ctx: &mut Ctx) -> Result<Reply> {
    let body = ctx.body().await?;
    validate_body(ctx, &body).await
}

/// The body of [`validate`], shared with the demo checkout.
pub async fn validate_body(ctx: &Ctx, body: &[u8]) -> Result<Reply> {
    let req: ValidateRequest = parse_json(body)?;
    if let Some(c) = &req.customer_id {
        check_id("customer_id", c)?;
    }
    if req.order_amount_minor.is_some_and(|a| a < 0) {
        return Err(Error::invalid("order_amount_minor", "must not be negative"));
    }
    if req.currency.as_deref().is_some_and(|c| !is_currency(c)) {
        return Err(Error::invalid("currency", "must be an ISO 4217 code such as USD"));
    }
    if req.code.len() > 256 {
        return Err(Error::invalid("code", "is too long"));
    }
    // Every validation is counted, found or not, so an address over its
    // budget learns nothing more; the count runs beside the read.
    let budget = Budget::of(ctx, Limit::Validation, client_address(ctx))?;
    let row = with_budget(budget, async {
        match coupon::normalize(&req.code) {
            Some(code) => find(&ctx.db()?, &code).await,
            None => Ok(None),
        }
    })
    .await?;
    let verdict = coupon::validate(
        row.as_ref().map(CouponRow::issued).as_ref(),
        req.customer_id.as_deref(),
        req.order_amount_minor,
        req.currency.as_deref(),
        ctx.now,
    );
    let resp = match verdict {
        Ok(d) => ValidateResponse {
            valid: true,
            reason: None,
            offer: Some(coupon::offer_in_words(&d, ctx.lang())),
            discount: Some(d),
            reward_id: row.and_then(|r| r.reward_id),
        },
        Err(reason) => ValidateResponse {
            valid: false,
            reason: Some(reason),
            discount: None,
            reward_id: row.filter(|_| reason != InvalidReason::NotFound).and_then(|r| r.reward_id),
            offer: None,
        },
    };
    Reply::json(200, &resp)
}

fn answer(row: &CouponRow) -> Result<Reply> {
    Reply::json(
        200,
        &CouponRedemption {
            code: row.code.clone(),
            order_id: row.used_order_id.clone().unwrap_or_default(),
            reward_id: row.reward_id.clone(),
            customer_id: row.customer_id.clone().unwrap_or_default(),
            redeemed_at: Timestamp(row.used_at.unwrap_or_default()),
            discount: row.discount(),
        },
    )
}

/// `POST /v1/coupons/{code}/redeem`: marks the coupon used, once.
pub async fn redeem(ctx: &mut Ctx, code: &str) -> Result<Reply> {
    let body = ctx.body().await?;
    let mut w = match Write::begin(ctx, "server", &body).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    redeem_body(ctx, code, &body, &mut w).await
}

/// The body of [`redeem`], shared with the demo checkout.
pub async fn redeem_body(ctx: &Ctx, code: &str, body: &[u8], w: &mut Write) -> Result<Reply> {
    let req: CouponRedeemRequest = parse_json(body)?;
    check_id("order_id", &req.order_id)?;
    if let Some(c) = &req.customer_id {
        check_id("customer_id", c)?;
    }
    let code = coupon::normalize(code).ok_or_else(|| Error::CouponInvalid("unknown coupon code".into()))?;
    let (db, now) = (w.db(), ctx.now);
    // The guard is the WHERE clause of one UPDATE: unused, issued, unexpired.
    let mut stmts = Vec::new();
    stmts.push(db.stmt(
        "UPDATE coupons SET used_at = ?1, used_order_id = ?2
          WHERE code = ?3 AND redemption_id IS NOT NULL AND used_at IS NULL AND (expires_at IS NULL OR expires_at > ?1)
            AND (?4 IS NULL OR customer_id = ?4) AND kind IS NOT 'gift_card'",
        args![now.0, &req.order_id, &code, req.customer_id.as_deref()],
    )?);
    // A code made with points at checkout: the same guard, and its order.
    stmts.push(db.stmt(
        "UPDATE checkout_codes SET used_at = ?1, used_order_id = ?2
          WHERE code = ?3 AND order_id = ?2 AND used_at IS NULL AND returned_at IS NULL AND expires_at > ?1
            AND (?4 IS NULL OR customer_id = ?4)",
        args![now.0, &req.order_id, &code, req.customer_id.as_deref()],
    )?);
    let update = stmts.len() - 2;
    stmts.push(find_stmt(db, &code)?);
    let done = match w.commit(stmts).await? {
        Outcome::Done(done) => done,
        Outcome::Replayed(r) => return Ok(r),
        Outcome::Refused(c) => return Err(Error::Internal(format!("coupon redeem: {c:?}"))),
    };
    let changed = done.changes(update) + done.changes(update + 1);
    let row = done.rows::<CouponRow>(update + 2)?.into_iter().next();
    let answered = match row {
        // Another member's code is refused as unknown: no hint that it exists.
        Some(row) if req.customer_id.as_deref().is_some_and(|c| row.customer_id.as_deref() != Some(c)) => {
            Err(Error::CouponInvalid("unknown coupon code".into()))
        }
        Some(row) if changed == 1 || row.used_order_id.as_deref() == Some(req.order_id.as_str()) => answer(&row),
        Some(row) if row.kind() == RewardKind::GiftCard => Err(Error::CouponInvalid(
            "this is a gift card: it pays in parts with POST /v1/gift-cards/{code}/debit".into(),
        )),
        Some(row) if row.for_order.as_deref().is_some_and(|o| o != req.order_id) => {
            Err(Error::CouponInvalid("this code was made for another order".into()))
        }
        Some(row) if row.used_at.is_some() => {
            Err(Error::CouponInvalid("this coupon was already used on another order".into()))
        }
        Some(row) if row.for_order.is_some() => {
            Err(Error::CouponInvalid("this code has expired and its points were given back".into()))
        }
        Some(_) => Err(Error::CouponInvalid("this coupon has expired".into())),
        None => Err(Error::CouponInvalid("unknown coupon code".into())),
    };
    match answered {
        Ok(reply) => w.finish(reply).await,
        // Refused after the batch reserved the key: a retry (a fixed order,
        // say) must not wait a day for this request.
        Err(e) => {
            w.abandon().await?;
            Err(e)
        }
    }
}
