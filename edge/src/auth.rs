//! Who is calling: the store's server (API key) or a shopper (customer
//! token). Routes state which they accept; the wrong class is 403, no or
//! bad credentials 401.

use std::future::Future;

use loyalty_core::apikey::{self, Scope};
use loyalty_core::session;
use loyalty_core::token::{self, Claims};
use worker::RateLimiter;

use crate::error::{Error, Result};
use crate::http::Ctx;
use crate::{api_keys, sessions};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// The storefront's backend, holding the root API key (every scope).
    Server,
    /// A scoped API key (`lek_…`), not yet looked up.
    Key(String),
    /// A shopper, holding a token for their own customer_id.
    Customer(Claims),
    /// The console, holding a session cookie (`/v1/session`), not yet looked up.
    Session(String),
}

/// Authenticates the `Authorization: Bearer …` header, or else the
/// console's session cookie.
pub fn authenticate(ctx: &Ctx) -> Result<Principal> {
    let Some(header) = ctx.header("authorization") else {
        return match sessions::token_of(ctx) {
            // No other site's page can set this header without a CORS
            // preflight, which server routes never allow.
            Some(t) if ctx.header(session::CONSOLE_HEADER).is_some() => Ok(Principal::Session(t)),
            Some(_) => Err(Error::Forbidden(format!(
                "a request with the console's session cookie needs the {} header",
                session::CONSOLE_HEADER
            ))),
            None => Err(Error::Unauthorized("missing Authorization: Bearer header".into())),
        };
    };
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
    if credential.starts_with(apikey::KEY_PREFIX) {
        return Ok(Principal::Key(credential.to_owned()));
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

/// Requires the root API key, or a key (read from D1 on every request,
/// so a revoked one is refused at once) whose scopes grant `need`.
pub async fn server(ctx: &Ctx, need: Scope) -> Result<()> {
    match authenticate(ctx)? {
        Principal::Server => Ok(()),
        Principal::Key(key) => {
            let scopes =
                api_keys::scopes_of(ctx, &key).await?.ok_or_else(|| Error::Unauthorized("invalid API key".into()))?;
            if apikey::grants(&scopes, need) {
                Ok(())
            } else {
                let held: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
                Err(Error::Forbidden(format!(
                    "this key's scopes ({}) do not include {}, which this route needs",
                    held.join(", "),
                    need.as_str()
                )))
            }
        }
        // Sessions begin only with an admin-scope key (`sessions::sign_in`).
        Principal::Session(token) => match sessions::live(&ctx.db()?, &token, ctx.now).await? {
            Some(_) => Ok(()),
            None => Err(Error::Unauthorized("the session has ended; sign in again".into())),
        },
        Principal::Customer(_) => Err(Error::Forbidden("this route needs the API key, not a customer token".into())),
    }
}

/// Requires a customer token; returns its claims and the shopper's request
/// budget, which the handler must [`Budget::check`] before it writes.
pub fn customer(ctx: &mut Ctx) -> Result<(Claims, Budget)> {
    match authenticate(ctx)? {
        Principal::Customer(c) => {
            ctx.member = Some(c.sub.clone());
            // Every request is counted, per member.
            let budget = Budget::of(ctx, Limit::Shopper, c.sub.clone())?;
            Ok((c, budget))
        }
        Principal::Server | Principal::Key(_) | Principal::Session(_) => {
            Err(Error::Forbidden("this route needs a customer token, not an API key".into()))
        }
    }
}

/// The request budgets: one `[[ratelimits]]` binding each in
/// `edge/wrangler.toml`, where their sizes are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A shopper's requests, per member (counted after the token is
    /// verified, so nobody can spend another member's budget).
    Shopper,
    /// Requests refused 401, per client address: guessing keys and tokens.
    FailedAuth,
    /// Coupon validations, per client address: guessing codes.
    Validation,
}

impl Limit {
    /// The binding's name.
    pub fn binding(self) -> &'static str {
        match self {
            Limit::Shopper => "SHOPPER_LIMITER",
            Limit::FailedAuth => "AUTH_LIMITER",
            Limit::Validation => "VALIDATION_LIMITER",
        }
    }
}

/// Every limiter's period in seconds (Cloudflare offers 10 or 60), and so
/// what a 429's `Retry-After` says. A test holds wrangler.toml to it.
pub const PERIOD_SECS: u32 = 60;

/// The caller's address as Cloudflare (and wrangler dev) reports it.
pub fn client_address(ctx: &Ctx) -> String {
    ctx.header("cf-connecting-ip").unwrap_or_else(|| "unknown".into())
}

/// A request budget: one count against a [`Limit`] for one key.
///
/// Checking it is a round trip to the limiter, so handlers await it
/// *together with* their first D1 read (see [`with_budget`]), or just
/// before their first write when they have no read; either way a request
/// over budget is answered 429 and writes nothing.
pub struct Budget {
    limiter: Option<RateLimiter>,
    key: String,
}

impl Budget {
    /// The budget of `key` under `limit`. Without the binding (an operator
    /// removed it) the request is refused 503, never served unlimited.
    pub fn of(ctx: &Ctx, limit: Limit, key: String) -> Result<Budget> {
        let limiter = ctx.env.rate_limiter(limit.binding()).map_err(|_| {
            Error::Unavailable(format!(
                "the {} binding is missing: these requests are refused until it is configured",
                limit.binding()
            ))
        })?;
        Ok(Budget { limiter: Some(limiter), key })
    }

    /// No limit: requests with the API key.
    pub fn unlimited() -> Budget {
        Budget { limiter: None, key: String::new() }
    }

    /// `Err(RateLimited)` when the key is over budget.
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

/// What a request refused 401 answers: the 401, or 429 once its address
/// has failed too often. A right credential never spends this budget, so
/// an address over it still gets in with one: with secrets of 32 bytes
/// or more the budget slows guessing; it is not what stops it.
pub async fn failed(ctx: &Ctx, refusal: Error) -> Error {
    match Budget::of(ctx, Limit::FailedAuth, client_address(ctx)) {
        Ok(b) => b.check().await.err().unwrap_or(refusal),
        Err(unavailable) => unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Retry-After` says [`PERIOD_SECS`]; every limiter must count over it.
    #[test]
    fn every_limiter_counts_over_the_period_retry_after_names() {
        let toml = include_str!("../wrangler.toml");
        let mut seen = Vec::new();
        for block in toml.split("[[ratelimits]]").skip(1) {
            let name = block.lines().find_map(|l| l.strip_prefix("name = ")).unwrap_or_default().trim_matches('"');
            assert!(
                block.contains(&format!("period = {PERIOD_SECS} ")),
                "{name}: its period must be {PERIOD_SECS} s, as Retry-After says"
            );
            seen.push(name.to_owned());
        }
        for limit in [Limit::Shopper, Limit::FailedAuth, Limit::Validation] {
            assert!(seen.iter().any(|n| n == limit.binding()), "{} is not in wrangler.toml", limit.binding());
        }
    }
}
