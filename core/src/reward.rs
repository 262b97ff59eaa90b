//! The rewards catalog: the reward object of the API contract.
//!
//! [`Reward::from_json`] is the one way a reward enters the system: it
//! checks types, then every rule, and reports all problems at once.

use serde::{Deserialize, Serialize};

use crate::eligibility::Eligibility;
use crate::error::{Error, Issue};
use crate::ids::{check_id, is_valid_id};
use crate::money::is_currency;

/// What a reward gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RewardKind {
    /// A fixed amount off (`discount.amount_minor` + `currency`).
    FixedAmountDiscount,
    /// A percentage off (`discount.percent`, 1 to 100).
    PercentageDiscount,
    /// Free shipping.
    FreeShipping,
    /// A free product (`discount.sku`).
    FreeProduct,
}

impl RewardKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RewardKind::FixedAmountDiscount => "fixed_amount_discount",
            RewardKind::PercentageDiscount => "percentage_discount",
            RewardKind::FreeShipping => "free_shipping",
            RewardKind::FreeProduct => "free_product",
        }
    }
}

/// The discount's parameters; which fields apply depends on the kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DiscountSpec {
    /// Fixed amount, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    /// Currency of the fixed amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Percentage, 1 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u32>,
    /// The free product's SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
}

/// How coupon codes for this reward are made and what they require.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CouponPolicy {
    /// Prefix of generated codes (0 to 12 of `A-Z 0-9`).
    #[serde(default)]
    pub prefix: String,
    /// Days a code stays valid after it is issued; `None`: no expiry.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
    /// Smallest order the code applies to, minor units.
    #[serde(default)]
    pub min_order_minor: i64,
    /// Hand out only pre-made codes from the pool; when it is empty the
    /// reward is unavailable.
    #[serde(default)]
    pub pool_only: bool,
}

impl Default for CouponPolicy {
    fn default() -> Self {
        CouponPolicy { prefix: String::new(), expires_in_days: Some(30), min_order_minor: 0, pool_only: false }
    }
}

/// Redemption limits; `None` means unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Times one member may redeem it.
    #[serde(default)]
    pub per_member: Option<u32>,
    /// Times it may be redeemed in all.
    #[serde(default)]
    pub total: Option<u32>,
}

/// A reward, as stored and as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Reward {
    /// Its id (from the URL path when saved).
    #[serde(default)]
    pub reward_id: String,
    /// Short name, e.g. "$5 off".
    pub name: String,
    /// Longer description.
    #[serde(default)]
    pub description: String,
    /// Inactive rewards are kept for history but cannot be redeemed.
    #[serde(default = "yes")]
    pub active: bool,
    /// What it gives.
    pub kind: RewardKind,
    /// Points it costs.
    pub points_cost: i64,
    /// The discount's parameters.
    #[serde(default)]
    pub discount: DiscountSpec,
    /// Whether shoppers who are not signed in see it.
    #[serde(default)]
    pub show_to_guests: bool,
    /// Coupon policy.
    #[serde(default)]
    pub coupon: CouponPolicy,
    /// Who may redeem it.
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Redemption limits.
    #[serde(default)]
    pub limits: Limits,
}

fn yes() -> bool {
    true
}

impl Reward {
    /// Parses and validates a reward saved under `reward_id` (from the URL).
    pub fn from_json(reward_id: &str, json: &[u8]) -> Result<Reward, Error> {
        check_id("reward_id", reward_id)?;
        let mut r: Reward = serde_json::from_slice(json).map_err(|e| Error::invalid("", e.to_string()))?;
        if !r.reward_id.is_empty() && r.reward_id != reward_id {
            return Err(Error::invalid("reward_id", "must match the reward_id in the path"));
        }
        r.reward_id = reward_id.to_owned();
        r.validate()?;
        Ok(r)
    }

    /// Checks every rule; all problems at once.
    pub fn validate(&self) -> Result<(), Error> {
        let mut issues = Vec::new();
        let mut bad = |p: &str, m: &str| issues.push(Issue::new(p, m));
        if !is_valid_id(&self.reward_id) {
            bad("reward_id", "must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @");
        }
        if self.name.trim().is_empty() || self.name.len() > 100 {
            bad("name", "must be 1 to 100 characters");
        }
        if self.description.len() > 1000 {
            bad("description", "must be at most 1000 characters");
        }
        if self.points_cost <= 0 || self.points_cost > 1_000_000_000 {
            bad("points_cost", "must be 1 to 1000000000");
        }
        let d = &self.discount;
        match self.kind {
            RewardKind::FixedAmountDiscount => {
                if d.amount_minor.is_none_or(|a| a <= 0 || a > crate::numbers::MAX_SAFE) {
                    bad(
                        "discount.amount_minor",
                        "a fixed_amount_discount needs a positive amount_minor (at most 2^53 - 1)",
                    );
                }
                if !d.currency.as_deref().is_some_and(is_currency) {
                    bad("discount.currency", "a fixed_amount_discount needs an ISO 4217 currency");
                }
            }
            RewardKind::PercentageDiscount => {
                if !d.percent.is_some_and(|p| (1..=100).contains(&p)) {
                    bad("discount.percent", "a percentage_discount needs a percent from 1 to 100");
                }
            }
            RewardKind::FreeShipping => {}
            RewardKind::FreeProduct => {
                if !d.sku.as_deref().is_some_and(|s| !s.is_empty() && s.len() <= 128) {
                    bad("discount.sku", "a free_product needs a sku of 1 to 128 characters");
                }
            }
        }
        let stray = match self.kind {
            RewardKind::FixedAmountDiscount => d.percent.is_some() || d.sku.is_some(),
            RewardKind::PercentageDiscount => d.amount_minor.is_some() || d.sku.is_some() || d.currency.is_some(),
            RewardKind::FreeShipping => *d != DiscountSpec::default(),
            RewardKind::FreeProduct => d.amount_minor.is_some() || d.percent.is_some() || d.currency.is_some(),
        };
        if stray {
            bad("discount", "has fields that do not apply to this kind");
        }
        let c = &self.coupon;
        if c.prefix.len() > 12 || !c.prefix.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            bad("coupon.prefix", "must be 0 to 12 characters of A-Z 0-9");
        }
        if c.expires_in_days.is_some_and(|d| d == 0 || d > 3650) {
            bad("coupon.expires_in_days", "must be 1 to 3650, or null for no expiry");
        }
        if !(0..=crate::numbers::MAX_SAFE).contains(&c.min_order_minor) {
            bad("coupon.min_order_minor", "must be 0 to 2^53 - 1");
        }
        if self.limits.per_member == Some(0) {
            bad("limits.per_member", "must be at least 1, or null for no limit");
        }
        if self.limits.total == Some(0) {
            bad("limits.total", "must be at least 1, or null for no limit");
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(issues))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SEED: &str = r#"{
      "reward_id": "5_OFF", "name": "$5 off", "description": "$5 off your next order", "active": true,
      "kind": "fixed_amount_discount", "points_cost": 500,
      "discount": {"amount_minor": 500, "currency": "USD"}, "show_to_guests": true,
      "coupon": {"prefix": "LOY", "expires_in_days": 30, "min_order_minor": 0},
      "eligibility": [
        {"conditions": [
          {"attribute": "enrolled_at", "operator": "between", "value": ["2021-11-01", "2023-02-28"]},
          {"attribute": "tags", "operator": "contains_all", "value": ["cohortA"]}]},
        {"conditions": [{"attribute": "tags", "operator": "contains_all", "value": ["cohortC", "cohortD"]}]}],
      "limits": {"per_member": null, "total": null}
    }"#;

    #[test]
    fn the_contract_example_round_trips() {
        let r = Reward::from_json("5_OFF", SEED.as_bytes()).unwrap();
        let back: serde_json::Value = serde_json::to_value(&r).unwrap();
        let orig: serde_json::Value = serde_json::from_str(SEED).unwrap();
        assert_eq!(back["eligibility"], orig["eligibility"]);
        assert_eq!(back["discount"], orig["discount"]);
        assert_eq!(Reward::from_json("5_OFF", serde_json::to_vec(&r).unwrap().as_slice()).unwrap(), r);
    }

    #[test]
    fn all_problems_at_once() {
        let json = r#"{"name": "", "kind": "percentage_discount", "points_cost": 0,
                       "discount": {"percent": 150, "sku": "X"}, "coupon": {"prefix": "lo y"}, "limits": {"total": 0}}"#;
        let Err(Error::Invalid(issues)) = Reward::from_json("R1", json.as_bytes()) else { panic!() };
        let paths: Vec<_> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["name", "points_cost", "discount.percent", "discount", "coupon.prefix", "limits.total"]);
    }

    #[test]
    fn wrong_types_unknown_kinds_and_id_mismatch_are_rejected() {
        assert!(Reward::from_json("R", br#"{"name":"x","kind":"cash","points_cost":1}"#).is_err());
        assert!(Reward::from_json("R", br#"{"name":"x","kind":"free_shipping","points_cost":"1"}"#).is_err());
        assert!(Reward::from_json("R", br#"{"name":"x","kind":"free_shipping","points_cost":1.5}"#).is_err());
        assert!(
            Reward::from_json("R", br#"{"reward_id":"S","name":"x","kind":"free_shipping","points_cost":1}"#).is_err()
        );
        assert!(Reward::from_json("bad id", br#"{"name":"x","kind":"free_shipping","points_cost":1}"#).is_err());
        assert!(Reward::from_json("R", br#"{"name":"x","kind":"free_shipping","points_cost":1}"#).is_ok());
    }
}
