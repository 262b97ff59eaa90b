//! Development-only routes (`LOYALTY_ENV=development`, and a request to a
//! loopback host: see `Config::development`): they play the storefront's
//! backend for the demo store, which has none. A deployed Worker answers
//! them with 404 whatever its settings.

use loyalty_core::ids::check_id;
use loyalty_core::token::{self, Claims};
use serde::{Deserialize, Serialize};

use crate::coupons;
use crate::error::{Error, Result};
use crate::http::{parse_json, random_id, Ctx, Reply};
use crate::orders;
use crate::write::Write;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    customer_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    ttl_secs: Option<i64>,
}

#[derive(Serialize)]
struct TokenResponse {
    token: String,
    expires_at: loyalty_core::Timestamp,
}

/// Whether the request says its body is JSON (`application/json`, with or
/// without parameters).
pub fn is_json(ctx: &Ctx) -> bool {
    ctx.header("content-type").is_some_and(|t| {
        let media = t.split(';').next().unwrap_or_default().trim();
        media.eq_ignore_ascii_case("application/json")
    })
}

/// `POST /dev/token`: a customer token, as a storefront backend would mint.
pub async fn token(ctx: &mut Ctx) -> Result<Reply> {
    let body = ctx.body().await?;
    let req: TokenRequest = parse_json(&body)?;
    check_id("customer_id", &req.customer_id)?;
    let ttl = req.ttl_secs.unwrap_or(3600).clamp(-86_400, ctx.config()?.token_policy.max_lifetime_secs);
    let exp = ctx.now.plus_secs(ttl);
    let claims = Claims {
        sub: req.customer_id,
        exp: exp.0,
        iat: Some(ctx.now.0),
        nbf: None,
        email: req.email,
        name: req.name,
        aud: None,
        iss: None,
    };
    let token = token::mint(&claims, ctx.config()?.widget_secret.as_bytes());
    Reply::json(200, &TokenResponse { token, expires_at: exp })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PurchaseRequest {
    customer_id: String,
    amount_minor: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RedeemRequest {
    code: String,
    order_id: String,
}

/// `POST /dev/checkout/{validate|redeem|points|purchase}`: the demo store's
/// backend, calling the same code paths as the API-key routes.
pub async fn checkout(ctx: &mut Ctx, action: &str) -> Result<Reply> {
    let body = ctx.body().await?;
    match action {
        "validate" => coupons::validate_body(ctx, &body).await,
        "redeem" => {
            let req: RedeemRequest = parse_json(&body)?;
            let inner = serde_json::to_vec(&serde_json::json!({ "order_id": req.order_id }))?;
            coupons::redeem_body(ctx, &req.code, &inner, &mut Write::unkeyed(ctx)?).await
        }
        // Pay with points: the same body as `POST /v1/checkout/points`.
        "points" => crate::checkout::make_body(ctx, &body).await,
        "purchase" => {
            let req: PurchaseRequest = parse_json(&body)?;
            orders::purchase_for_demo(ctx, &req.customer_id, req.amount_minor, &random_id("demo")).await
        }
        _ => Err(Error::NotFound("no such dev route".into())),
    }
}
