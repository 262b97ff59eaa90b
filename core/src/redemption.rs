//! Whether a member may redeem a reward now, and what they get.
//!
//! The widget calls [`offer`] to label each reward ("redeemable", "you need
//! 120 more points", "not eligible: …"); the edge calls [`decide`] before it
//! writes. Both read the same rules, so they cannot disagree. The edge's D1
//! batch then re-checks what can race (balance, limits, pool) with
//! constraints: this decision is the explanation, the database the guard.

use serde::{Deserialize, Serialize};

use crate::eligibility::MemberAttributes;
use crate::error::Refusal;
use crate::lang::Lang;
use crate::reward::Reward;
use crate::timestamp::Timestamp;

/// How often a reward was already redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// By this member.
    pub by_member: u32,
    /// By everyone.
    pub total: u32,
}

/// A reward as one member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// The member meets the eligibility rules (and limits allow it).
    pub eligible: bool,
    /// The balance covers the cost.
    pub affordable: bool,
    /// Points still missing (0 when affordable).
    pub points_needed: i64,
    /// Why not, in words, when not eligible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Labels a reward for a member with `balance` spendable points; the
/// reason is worded in `lang`.
pub fn offer(reward: &Reward, member: &MemberAttributes, balance: i64, usage: Usage, lang: Lang) -> Offer {
    let refusal = refusal_before_balance(reward, member, usage, lang);
    let points_needed = (reward.points_cost - balance).max(0);
    Offer {
        eligible: refusal.is_none(),
        affordable: points_needed == 0,
        points_needed,
        reason: refusal.map(|r| r.describe(lang)),
    }
}

/// What a granted redemption debits and issues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Points to debit (positive).
    pub points: i64,
    /// When the coupon expires, if it does.
    pub coupon_expires_at: Option<Timestamp>,
}

/// Decides a redemption at `now`. Refusals come in the order a shopper can
/// act on: unavailable, then not eligible, then limits, then balance.
pub fn decide(
    reward: &Reward,
    member: &MemberAttributes,
    balance: i64,
    usage: Usage,
    now: Timestamp,
) -> Result<Grant, Refusal> {
    if let Some(r) = refusal_before_balance(reward, member, usage, Lang::En) {
        return Err(r);
    }
    if balance < reward.points_cost {
        return Err(Refusal::InsufficientPoints {
            needed: reward.points_cost,
            shortfall: reward.points_cost - balance,
        });
    }
    Ok(Grant { points: reward.points_cost, coupon_expires_at: coupon_expiry(reward, now) })
}

/// Whether [`decide`] would read nothing of the member but the balance and
/// usage counts: the reward is active and open to everyone. Those are the
/// checks the store can make atomically while it writes (a balance that
/// may not go negative, limits and availability guarded where the
/// redemption is inserted), so such a redemption may be written first and
/// explained only if the store refuses it, without reading the member
/// beforehand. The refusals are then those `decide` gives for the same
/// state: [`Refusal::Inactive`], [`Refusal::LimitReached`],
/// [`Refusal::InsufficientPoints`].
pub fn needs_only_balance(reward: &Reward) -> bool {
    reward.active && reward.eligibility.is_everyone()
}

/// When a coupon issued at `now` for `reward` expires.
pub fn coupon_expiry(reward: &Reward, now: Timestamp) -> Option<Timestamp> {
    reward.coupon.expires_in_days.map(|d| now.plus_days(d))
}

fn refusal_before_balance(reward: &Reward, member: &MemberAttributes, usage: Usage, lang: Lang) -> Option<Refusal> {
    if !reward.active {
        return Some(Refusal::Inactive);
    }
    if let Err(reason) = reward.eligibility.explain(member, lang) {
        return Some(Refusal::NotEligible { reason });
    }
    if reward.limits.per_member.is_some_and(|n| usage.by_member >= n) {
        return Some(Refusal::LimitReached { per_member: true });
    }
    if reward.limits.total.is_some_and(|n| usage.total >= n) {
        return Some(Refusal::LimitReached { per_member: false });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reward::tests::SEED;
    use crate::timestamp::parse_date;
    use proptest::prelude::*;

    const NOW: Timestamp = Timestamp(1_800_000_000);

    fn eligible_member() -> MemberAttributes {
        MemberAttributes { tags: vec!["cohortC".into(), "cohortD".into()], ..Default::default() }
    }

    #[test]
    fn grant_and_refusals() {
        let mut r = Reward::from_json("5_OFF", SEED.as_bytes()).unwrap();
        let m = eligible_member();
        assert_eq!(
            decide(&r, &m, 500, Usage::default(), NOW).unwrap(),
            Grant { points: 500, coupon_expires_at: Some(NOW.plus_days(30)) }
        );
        assert_eq!(
            decide(&r, &m, 380, Usage::default(), NOW),
            Err(Refusal::InsufficientPoints { needed: 500, shortfall: 120 })
        );
        assert_eq!(Refusal::InsufficientPoints { needed: 500, shortfall: 120 }.to_string(), "you need 120 more points");
        let outsider = MemberAttributes { enrolled_at: parse_date("2024-01-01"), ..Default::default() };
        assert!(matches!(decide(&r, &outsider, 10_000, Usage::default(), NOW), Err(Refusal::NotEligible { .. })));
        r.limits.per_member = Some(1);
        assert!(matches!(
            decide(&r, &m, 10_000, Usage { by_member: 1, total: 1 }, NOW),
            Err(Refusal::LimitReached { .. })
        ));
        r.active = false;
        assert_eq!(decide(&r, &m, 10_000, Usage::default(), NOW), Err(Refusal::Inactive));
    }

    proptest! {
        /// The promise of `needs_only_balance`: for such a reward the
        /// decision is the same whoever the member is, so writing first
        /// and letting the store's guards refuse loses nothing.
        #[test]
        fn open_rewards_are_decided_by_balance_and_usage_alone(
            tags in proptest::collection::vec("[a-z]{1,6}", 0..4),
            tier in proptest::option::of("[A-Z][a-z]{2,6}"),
            lifetime in 0i64..1_000_000,
            enrolled in proptest::option::of(0i64..20_000),
            balance in 0i64..2_000,
            by_member in 0u32..4,
            total in 0u32..4,
            per_member in proptest::option::of(1u32..4),
            limit in proptest::option::of(1u32..4),
            active in any::<bool>(),
        ) {
            let mut r = Reward::from_json("5_OFF", SEED.as_bytes()).unwrap();
            r.eligibility = Default::default();
            r.limits.per_member = per_member;
            r.limits.total = limit;
            r.active = active;
            let member = MemberAttributes {
                tags, tier, lifetime_earned: lifetime,
                enrolled_at: enrolled.map(|d| Timestamp(d * 86_400).date()),
                ..Default::default()
            };
            let usage = Usage { by_member, total };
            let anyone = decide(&r, &MemberAttributes::default(), balance, usage, NOW);
            prop_assert_eq!(decide(&r, &member, balance, usage, NOW), anyone.clone());
            // Written first, such a redemption either goes through or is
            // refused for a reason the store's guards can tell.
            if needs_only_balance(&r) {
                let guarded = matches!(
                    anyone,
                    Ok(_) | Err(Refusal::Inactive | Refusal::LimitReached { .. } | Refusal::InsufficientPoints { .. })
                );
                prop_assert!(guarded);
            }
        }
    }

    #[test]
    fn only_active_rewards_open_to_everyone_need_only_the_balance() {
        let mut r = Reward::from_json("5_OFF", SEED.as_bytes()).unwrap();
        assert!(!needs_only_balance(&r), "5_OFF has an eligibility rule");
        r.eligibility = Default::default();
        assert!(needs_only_balance(&r));
        r.active = false;
        assert!(!needs_only_balance(&r));
    }

    #[test]
    fn offers_agree_with_decisions() {
        let r = Reward::from_json("5_OFF", SEED.as_bytes()).unwrap();
        let o = offer(&r, &eligible_member(), 380, Usage::default(), Lang::En);
        assert_eq!((o.eligible, o.affordable, o.points_needed), (true, false, 120));
        let o = offer(&r, &MemberAttributes::default(), 900, Usage::default(), Lang::En);
        assert_eq!((o.eligible, o.affordable, o.points_needed), (false, true, 0));
        assert_eq!(o.reason.as_deref(), Some("not eligible: only for members tagged cohortC and cohortD"));
    }

    #[test]
    fn offers_are_worded_in_the_language_asked_for() {
        let mut r = Reward::from_json("5_OFF", SEED.as_bytes()).unwrap();
        let o = offer(&r, &MemberAttributes::default(), 900, Usage::default(), Lang::Fr);
        assert_eq!(o.reason.as_deref(), Some("non éligible : réservé aux membres étiquetés cohortC et cohortD"));
        r.limits.per_member = Some(1);
        let used = Usage { by_member: 1, total: 1 };
        let o = offer(&r, &eligible_member(), 900, used, Lang::Fr);
        assert_eq!(o.reason.as_deref(), Some("vous avez déjà échangé cette récompense autant de fois que permis"));
        // The edge's error messages stay English whatever was asked.
        let refusal = decide(&r, &eligible_member(), 900, used, NOW).unwrap_err();
        assert_eq!(refusal.to_string(), "you have already redeemed this reward the maximum number of times");
    }
}
