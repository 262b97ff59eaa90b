//! Who is calling: the store's server (API key) or a shopper (customer
//! token). Routes state which they accept; the wrong class is 403, no or
//! bad credentials 401.

use std::future::Future;

use loyalty_core::token::{self, Claims};
use worker::RateLimiter;

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
        return Ok(Principal::Customer(token::verify(
            credential,
            config.widget_secret.as_bytes(),
            ctx.now,
            &config.token_policy,
        )?));
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

/// Requires a customer token; returns its claims and the shopper's request
/// budget, which the handler must [`Budget::check`] before it writes.
pub fn customer(ctx: &mut Ctx) -> Result<(Claims, Budget)> {
    match authenticate(ctx)? {
        Principal::Customer(c) => {
            ctx.member = Some(c.sub.clone());
            // Every request is counted. Without the binding (an operator
            // removed it) the shopper routes are closed, never unlimited.
            let limiter = ctx.env.rate_limiter("SHOPPER_LIMITER").map(Some).map_err(|_| {
                Error::Unavailable(
                    "the SHOPPER_LIMITER binding is missing: shopper routes stay closed until it is configured".into(),
                )
            })?;
            let budget = Budget { limiter, key: c.sub.clone() };
            Ok((c, budget))
        }
        Principal::Server => Err(Error::Forbidden("this route needs a customer token, not the API key".into())),
    }
}

/// A shopper's request budget (the `SHOPPER_LIMITER` binding), per member.
///
/// It is counted only after the token is verified, so nobody can spend
/// another member's budget. Checking it is a round trip to the limiter, so
/// handlers await it *together with* their first D1 read (see
/// [`with_budget`]), or just before their first write when they have no
/// read; either way a request over budget is answered 429 and writes
/// nothing.
pub struct Budget {
    limiter: Option<RateLimiter>,
    key: String,
}

impl Budget {
    /// No limit: requests with the API key, and tests.
    pub fn unlimited() -> Budget {
        Budget { limiter: None, key: String::new() }
    }

    /// `Err(RateLimited)` when the member is over budget.
    pub async fn check(self) -> Result<()> {
        match self.limiter {
            Some(l) if !l.limit(self.key).await?.success => Err(Error::RateLimited),
            _ => Ok(()),
        }
    }
}

/// Runs `read` while the budget is checked; over budget wins over
/// whatever `read` found.
pub async fn with_budget<T>(budget: Budget, read: impl Future<Output = Result<T>>) -> Result<T> {
    let (allowed, value) = futures_util::future::join(budget.check(), read).await;
    allowed?;
    value
}
