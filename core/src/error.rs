//! The one error type of `loyalty-core`.
//!
//! Core never decides HTTP statuses; it says *what* went wrong precisely enough
//! that the edge can map it in one place (`edge/src/error.rs`) and the widget
//! can put it into words.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

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
/// words the edge answers with, because both come from
/// [`Refusal::describe`]; `Display` is its English (API error messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// The reward is switched off or unknown to the catalog.
    Inactive,
    /// The member does not meet the reward's eligibility rules.
    NotEligible {
        /// The closest rule the member fails, in words (in the language
        /// the refusal was made for).
        reason: String,
    },
    /// The member's spendable balance is short.
    InsufficientPoints {
        /// Points the reward costs.
        needed: i64,
        /// Points still missing.
        shortfall: i64,
    },
    /// A per-member or total redemption limit has been reached.
    LimitReached {
        /// The member's own limit (else the reward's total).
        per_member: bool,
    },
    /// A pool-only reward has no codes left.
    PoolEmpty,
}

impl Refusal {
    /// The refusal in words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            Refusal::Inactive if fr => "cette récompense n'est pas disponible".into(),
            Refusal::Inactive => "this reward is not available".into(),
            Refusal::NotEligible { reason } if fr => format!("non éligible : {reason}"),
            Refusal::NotEligible { reason } => format!("not eligible: {reason}"),
            Refusal::InsufficientPoints { shortfall, .. } if fr => format!("il vous manque {shortfall} points"),
            Refusal::InsufficientPoints { shortfall, .. } => format!("you need {shortfall} more points"),
            Refusal::LimitReached { per_member: true } if fr => {
                "vous avez déjà échangé cette récompense autant de fois que permis".into()
            }
            Refusal::LimitReached { per_member: true } => {
                "you have already redeemed this reward the maximum number of times".into()
            }
            Refusal::LimitReached { per_member: false } if fr => "cette récompense a été entièrement échangée".into(),
            Refusal::LimitReached { per_member: false } => "this reward has been fully redeemed".into(),
            Refusal::PoolEmpty if fr => "cette récompense n'a plus de codes".into(),
            Refusal::PoolEmpty => "this reward has no coupon codes left".into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

// Not `thiserror`: the words depend on a language, so `Display` delegates
// to `describe` rather than to per-variant format strings.
impl std::error::Error for Refusal {}
