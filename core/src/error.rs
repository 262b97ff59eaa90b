//! The one error type of `loyalty-core`.
//!
//! Core never decides HTTP statuses; it says *what* went wrong precisely enough
//! that the edge can map it in one place (`edge/src/error.rs`) and the widget
//! can put it into words.

use serde::{Deserialize, Serialize};

/// Everything a core function can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input breaks the wire contract (bad identifier, wrong type, bad
    /// value). Each issue names the offending field path.
    #[error("{}", join_issues(.0))]
    Invalid(Vec<Issue>),
    /// A customer token was missing, malformed, forged or expired.
    #[error("invalid customer token: {0}")]
    Token(&'static str),
    /// A valid request that the program's rules refuse.
    #[error("{0}")]
    Refused(Refusal),
}

impl Error {
    /// One invalid field, the common case.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(vec![Issue::new(path, message)])
    }
}

/// One problem in an input, located by a path such as `tiers[2].threshold`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Where the problem is (`""` for the whole input).
    pub path: String,
    /// What is wrong, in words a developer can act on.
    pub message: String,
}

impl Issue {
    /// An issue at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Issue { path: path.into(), message: message.into() }
    }
}

fn join_issues(issues: &[Issue]) -> String {
    issues
        .iter()
        .map(|i| if i.path.is_empty() { i.message.clone() } else { format!("{}: {}", i.path, i.message) })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why a redemption (or a coupon) is refused. The widget shows the same
/// words the edge answers with, because both call the same function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// The reward is switched off or unknown to the catalog.
    #[error("this reward is not available")]
    Inactive,
    /// The member does not meet the reward's eligibility rules.
    #[error("not eligible: {reason}")]
    NotEligible {
        /// The closest rule the member fails, in words.
        reason: String,
    },
    /// The member's spendable balance is short.
    #[error("you need {shortfall} more points")]
    InsufficientPoints {
        /// Points the reward costs.
        needed: i64,
        /// Points still missing.
        shortfall: i64,
    },
    /// A per-member or total redemption limit has been reached.
    #[error("{0}")]
    LimitReached(String),
    /// A pool-only reward has no codes left.
    #[error("this reward has no coupon codes left")]
    PoolEmpty,
}
