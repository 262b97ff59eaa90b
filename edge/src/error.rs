//! The one error type of the Worker, and the one place where errors become
//! HTTP statuses and contract error codes.

use loyalty_core::{Error as CoreError, Refusal};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A domain rule or input check from `loyalty-core`.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Malformed request outside what core checks (query, headers).
    #[error("{0}")]
    BadRequest(String),
    /// Missing or bad credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials of the wrong class for this route.
    #[error("{0}")]
    Forbidden(String),
    /// No such resource.
    #[error("{0}")]
    NotFound(String),
    /// The route exists, not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// A coupon that cannot be redeemed.
    #[error("{0}")]
    CouponInvalid(String),
    /// A gift card that holds less than the debit asks.
    #[error("{0}")]
    InsufficientFunds(String),
    /// A sign-up through a referral code that core (or the schema) refuses.
    #[error("{0}")]
    ReferralInvalid(loyalty_core::referral::Refused),
    /// Body over 64 KiB.
    #[error("request body exceeds 64 KiB")]
    PayloadTooLarge,
    /// The caller's request budget is spent.
    #[error("too many requests: try again in a minute")]
    RateLimited,
    /// A binding the request needs is missing, so it is refused rather than
    /// served without it (the shopper limiter); says which.
    #[error("{0}")]
    Unavailable(String),
    /// The Worker is deployed without its secrets; says which to set.
    #[error("{0}")]
    Misconfigured(String),
    /// A bug or an unreachable binding. Logged; shown as a generic message.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// HTTP status and contract error code. The only such mapping.
    pub fn status_and_code(&self) -> (u16, &'static str) {
        match self {
            Error::Core(CoreError::Invalid(_)) | Error::BadRequest(_) => (400, "invalid_request"),
            Error::Core(CoreError::Token(_)) | Error::Unauthorized(_) => (401, "unauthorized"),
            Error::Core(CoreError::Refused(r)) => match r {
                Refusal::NotEligible { .. } => (403, "not_eligible"),
                Refusal::InsufficientPoints { .. } => (409, "insufficient_points"),
                Refusal::Inactive | Refusal::LimitReached { .. } | Refusal::PoolEmpty => (409, "reward_unavailable"),
            },
            Error::Forbidden(_) => (403, "forbidden"),
            Error::NotFound(_) => (404, "not_found"),
            Error::MethodNotAllowed => (405, "method_not_allowed"),
            Error::Conflict(_) => (409, "conflict"),
            Error::CouponInvalid(_) => (409, "coupon_invalid"),
            Error::InsufficientFunds(_) => (409, "insufficient_funds"),
            Error::ReferralInvalid(_) => (409, "referral_invalid"),
            Error::PayloadTooLarge => (413, "payload_too_large"),
            Error::RateLimited => (429, "rate_limited"),
            Error::Unavailable(_) => (503, "unavailable"),
            Error::Misconfigured(_) | Error::Internal(_) => (500, "internal"),
        }
    }

    /// The message shown to the caller: never internals.
    pub fn public_message(&self) -> String {
        match self {
            Error::Internal(_) => "internal error".to_owned(),
            e => e.to_string(),
        }
    }

    /// A refusal from core.
    pub fn refused(r: Refusal) -> Error {
        Error::Core(CoreError::Refused(r))
    }

    /// An invalid field.
    pub fn invalid(path: &str, message: impl Into<String>) -> Error {
        Error::Core(CoreError::invalid(path, message))
    }
}

impl From<worker::Error> for Error {
    fn from(e: worker::Error) -> Self {
        Error::Internal(e.to_string())
    }
}

impl From<worker::kv::KvError> for Error {
    fn from(e: worker::kv::KvError) -> Self {
        Error::Internal(format!("kv: {e}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(format!("json: {e}"))
    }
}

/// The worker crate's result type, for the thin glue that talks to it.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_codes() {
        let cases: Vec<(Error, u16, &str)> = vec![
            (Error::invalid("x", "bad"), 400, "invalid_request"),
            (Error::Core(CoreError::Token("expired")), 401, "unauthorized"),
            (Error::Forbidden("no".into()), 403, "forbidden"),
            (Error::refused(Refusal::NotEligible { reason: "r".into() }), 403, "not_eligible"),
            (Error::NotFound("x".into()), 404, "not_found"),
            (Error::MethodNotAllowed, 405, "method_not_allowed"),
            (Error::Conflict("x".into()), 409, "conflict"),
            (Error::refused(Refusal::InsufficientPoints { needed: 1, shortfall: 1 }), 409, "insufficient_points"),
            (Error::refused(Refusal::PoolEmpty), 409, "reward_unavailable"),
            (Error::CouponInvalid("x".into()), 409, "coupon_invalid"),
            (Error::InsufficientFunds("x".into()), 409, "insufficient_funds"),
            (Error::ReferralInvalid(loyalty_core::referral::Refused::OwnCode), 409, "referral_invalid"),
            (Error::PayloadTooLarge, 413, "payload_too_large"),
            (Error::RateLimited, 429, "rate_limited"),
            (Error::Unavailable("x".into()), 503, "unavailable"),
            (Error::Internal("secret detail".into()), 500, "internal"),
        ];
        for (e, status, code) in cases {
            assert_eq!(e.status_and_code(), (status, code), "{e:?}");
        }
        assert_eq!(Error::Internal("secret detail".into()).public_message(), "internal error");
    }
}
