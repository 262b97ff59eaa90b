//! What the widget shows, decoded from the API's answers (`core::wire`
//! shapes, read through [`Json`]). Every figure here was computed by the
//! Worker with `loyalty-core`; the widget only words it. Lists are decoded
//! an item at a time as they are shown (see [`crate::panel::items`]), not
//! into a `Vec` per type.

use crate::json::Json;

/// A catalog entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Reward {
    pub id: String,
    pub name: String,
    pub description: String,
    pub cost: i64,
}

/// `GET /v1/me`.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub balance: i64,
    pub pending: i64,
    pub tier: Option<String>,
    pub next_tier: Option<NextTier>,
    /// The soonest expiry: (points, RFC 3339 time).
    pub expiring: Option<(i64, String)>,
}

/// The next tier and how far it is.
#[derive(Clone, Debug, PartialEq)]
pub struct NextTier {
    pub name: String,
    pub threshold: i64,
    pub points_needed: i64,
}

/// One reward as this member sees it (`GET /v1/me/rewards`).
#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    pub reward: Reward,
    pub eligible: bool,
    pub affordable: bool,
    pub points_needed: i64,
    /// Why not, in core's words, when not eligible.
    pub reason: Option<String>,
}

/// A redemption's receipt (`POST /v1/me/redemptions`): what the coupon
/// card shows, worded by the API.
#[derive(Debug, PartialEq)]
pub struct Receipt {
    pub code: String,
    pub expires_at: Option<String>,
    /// What it gives ("$5.00 off").
    pub offer: String,
    /// "Minimum order $20.00", when there is one.
    pub min_order: Option<String>,
}

/// A ledger entry (`GET /v1/me/transactions`).
#[derive(Clone, Debug, PartialEq)]
pub struct Txn {
    pub description: String,
    pub created_at: String,
    pub points: i64,
}

impl Reward {
    /// Decodes `Reward`.
    pub fn from(j: &Json) -> Reward {
        Reward {
            id: j.str("reward_id"),
            name: j.str("name"),
            description: j.str("description"),
            cost: j.int("points_cost"),
        }
    }
}

/// The threshold of tier `name` in `GET /v1/program`'s tiers (0 when the
/// program lists no such tier).
pub fn tier_threshold(program: &Json, name: &str) -> i64 {
    program.list("tiers").iter().find(|t| t.str("name") == name).map_or(0, |t| t.int("threshold"))
}

impl Member {
    /// Decodes `MemberSummary`.
    pub fn from(j: &Json) -> Member {
        let next = j.get("next_tier");
        Member {
            balance: j.int("balance"),
            pending: j.int("pending"),
            tier: j.opt_str("tier"),
            next_tier: (!next.is_null()).then(|| NextTier {
                name: next.str("name"),
                threshold: next.int("threshold"),
                points_needed: next.int("points_needed"),
            }),
            expiring: j.list("expiring").first().map(|e| (e.int("points"), e.str("expires_at"))),
        }
    }
}

impl Offer {
    /// Decodes one of `RewardOffers`' rewards.
    pub fn from(o: &Json) -> Offer {
        Offer {
            reward: Reward::from(&o.get("reward")),
            eligible: o.bool("eligible"),
            affordable: o.bool("affordable"),
            points_needed: o.int("points_needed"),
            reason: o.opt_str("reason"),
        }
    }
}

impl Receipt {
    /// Decodes `RedemptionReceipt`.
    pub fn from(j: &Json) -> Receipt {
        let c = j.get("coupon");
        Receipt {
            code: c.str("code"),
            expires_at: c.opt_str("expires_at"),
            offer: c.str("offer"),
            min_order: c.opt_str("min_order"),
        }
    }
}

impl Txn {
    /// Decodes one of `TransactionPage`'s transactions.
    pub fn from(t: &Json) -> Txn {
        Txn { description: t.str("description"), created_at: t.str("created_at"), points: t.int("points") }
    }
}
