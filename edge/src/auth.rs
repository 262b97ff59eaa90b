//! Who is calling: the store's server (API key) or a shopper (customer
//! token). Routes state which they accept; the wrong class is 403, no or
//! bad credentials 401.

use loyalty_core::token::{self, Claims};

use crate::error::{Error, Result};
use crate::http::Ctx;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// The storefront's backend, holding the API key.
    Server,
    /// A shopper, holding a token for their own customer_id.
    Customer(Claims),
}

/// Authenticates the `Authorization: Bearer …` header.
pub fn authenticate(ctx: &Ctx) -> Result<Principal> {
    let header = ctx
        .header("authorization")
        .ok_or_else(|| Error::Unauthorized("missing Authorization: Bearer header".into()))?;
    let credential = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Error::Unauthorized("expected Authorization: Bearer <credential>".into()))?;
    let config = ctx.config()?;
    if token::secrets_equal(credential.as_bytes(), config.api_key.as_bytes()) {
        return Ok(Principal::Server);
    }
    if credential.contains('.') {
        return Ok(Principal::Customer(token::verify(credential, config.widget_secret.as_bytes(), ctx.now)?));
    }
    Err(Error::Unauthorized("invalid API key".into()))
}

/// Requires the API key.
pub fn server(ctx: &Ctx) -> Result<()> {
    match authenticate(ctx)? {
        Principal::Server => Ok(()),
        Principal::Customer(_) => Err(Error::Forbidden("this route needs the API key, not a customer token".into())),
    }
}

/// Requires a customer token within its request budget; returns its claims.
pub async fn customer(ctx: &mut Ctx) -> Result<Claims> {
    match authenticate(ctx)? {
        Principal::Customer(c) => {
            ctx.member = Some(c.sub.clone());
            // The budget is per member, counted after the token is verified
            // so that nobody can spend another member's budget. Without the
            // binding (an operator removed it) there is no limit.
            if let Ok(limiter) = ctx.env.rate_limiter("SHOPPER_LIMITER") {
                if !limiter.limit(c.sub.clone()).await?.success {
                    return Err(Error::RateLimited);
                }
            }
            Ok(c)
        }
        Principal::Server => Err(Error::Forbidden("this route needs a customer token, not the API key".into())),
    }
}
