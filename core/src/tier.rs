//! Tiers: which one a member holds, and how far the next one is.

use serde::{Deserialize, Serialize};

use crate::program::{Program, TierBasis, TierRule};

/// A member's standing: current tier and the way to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierStatus {
    /// Current tier's name (`None` for a program without tiers).
    pub tier: Option<String>,
    /// Current tier's earn multiplier in percent (100 without tiers).
    pub multiplier_percent: u32,
    /// The next tier, if there is one above.
    pub next: Option<NextTier>,
}

/// The next tier and what is missing to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextTier {
    /// Its name.
    pub name: String,
    /// Its threshold.
    pub threshold: i64,
    /// What is still missing, in the program's tier basis (points, or minor
    /// units spent), always at least 1.
    pub needed: i64,
}

/// The tier a member holds: the highest whose threshold their progress
/// reaches. `progress` is lifetime points or spend, per the program's basis.
pub fn tier_for(tiers: &[TierRule], progress: i64) -> Option<&TierRule> {
    tiers.iter().rev().find(|t| progress >= t.threshold)
}

/// The member's tier status from their lifetime points and spend.
pub fn status(program: &Program, lifetime_points: i64, lifetime_spend_minor: i64) -> TierStatus {
    let progress = match program.tier_basis {
        TierBasis::LifetimePoints => lifetime_points,
        TierBasis::LifetimeSpend => lifetime_spend_minor,
    };
    let current = tier_for(&program.tiers, progress);
    let next = program.tiers.iter().find(|t| t.threshold > progress).map(|t| NextTier {
        name: t.name.clone(),
        threshold: t.threshold,
        needed: t.threshold - progress,
    });
    TierStatus {
        tier: current.map(|t| t.name.clone()),
        multiplier_percent: current.map_or(100, |t| t.multiplier_percent),
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn program() -> Program {
        crate::program::Program::from_json(crate::program::tests_support::DEMO).unwrap()
    }

    #[test]
    fn thresholds_are_inclusive() {
        let p = program();
        let s = status(&p, 499, 0);
        assert_eq!(s.tier.as_deref(), Some("Bronze"));
        assert_eq!(s.next.as_ref().map(|n| (n.name.as_str(), n.needed)), Some(("Silver", 1)));
        let s = status(&p, 500, 0);
        assert_eq!((s.tier.as_deref(), s.multiplier_percent), (Some("Silver"), 125));
        let s = status(&p, 10_000, 0);
        assert_eq!((s.tier.as_deref(), s.next), (Some("Gold"), None));
    }

    proptest! {
        #[test]
        fn next_tier_is_exactly_needed_away(points in 0i64..5000) {
            let p = program();
            let s = status(&p, points, 0);
            if let Some(n) = s.next {
                prop_assert!(n.needed >= 1);
                prop_assert_eq!(status(&p, points + n.needed, 0).tier, Some(n.name));
                prop_assert_eq!(status(&p, points + n.needed - 1, 0).tier, s.tier);
            }
        }
    }
}
