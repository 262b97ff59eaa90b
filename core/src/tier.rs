//! Tiers: which one a member holds, and how far the next one is.

use serde::{Deserialize, Serialize};

use crate::program::{Program, TierBasis, TierRule, TierWindow};
use crate::timestamp::Timestamp;
use crate::webhook::TierDirection;
use time::Date;

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

/// What counts toward tiers of the lifetime figures: points or spend, per
/// the program's basis.
pub fn lifetime_progress(program: &Program, lifetime_points: i64, lifetime_spend_minor: i64) -> i64 {
    match program.tier_basis {
        TierBasis::LifetimePoints => lifetime_points,
        TierBasis::LifetimeSpend => lifetime_spend_minor,
    }
}

/// A tier's place among the program's, lowest first (`None` for no tier,
/// or one the program no longer has).
pub fn rank(program: &Program, name: Option<&str>) -> Option<usize> {
    name.and_then(|n| program.tiers.iter().position(|t| t.name == n))
}

/// Which way a move from `from` to `to` goes; `None` when it is no move.
/// No tier is below the lowest.
pub fn direction(program: &Program, from: Option<&str>, to: Option<&str>) -> Option<TierDirection> {
    let (f, t) = (rank(program, from), rank(program, to));
    match t.cmp(&f) {
        std::cmp::Ordering::Greater => Some(TierDirection::Up),
        std::cmp::Ordering::Less => Some(TierDirection::Down),
        std::cmp::Ordering::Equal => None,
    }
}

/// The member's tier status from their lifetime points and spend.
pub fn status(program: &Program, lifetime_points: i64, lifetime_spend_minor: i64) -> TierStatus {
    let progress = lifetime_progress(program, lifetime_points, lifetime_spend_minor);
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

/// Where the window tier thresholds are measured over begins at `now`:
/// `None` for the lifetime; the same day a year back (28 February for
/// 29 February), or 1 January, at 00:00 UTC.
pub fn window_start(window: TierWindow, now: Timestamp) -> Option<Timestamp> {
    let today = now.date();
    let first = match window {
        TierWindow::Lifetime => return None,
        TierWindow::Rolling12Months => today
            .replace_year(today.year() - 1)
            .or_else(|_| today.replace_day(28).and_then(|d| d.replace_year(today.year() - 1)))
            .ok()?,
        TierWindow::CalendarYear => Date::from_calendar_date(today.year(), time::Month::January, 1).ok()?,
    };
    Some(Timestamp(first.midnight().assume_utc().unix_timestamp()))
}

/// When a calendar-year window starts again (the next 1 January, 00:00
/// UTC); `None` for the other windows.
pub fn window_resets(window: TierWindow, now: Timestamp) -> Option<Timestamp> {
    (window == TierWindow::CalendarYear)
        .then(|| Date::from_calendar_date(now.date().year() + 1, time::Month::January, 1).ok())
        .flatten()
        .map(|d| Timestamp(d.midnight().assume_utc().unix_timestamp()))
}

/// What is kept of a member's tier between reviews (windowed programs;
/// for the lifetime, the tier last reviewed, for entry rewards).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// The tier held (none below the lowest, or before any review).
    pub tier: Option<String>,
    /// Since when the member's progress has been below it.
    pub below_since: Option<Timestamp>,
}

/// A member's tier under a window at `now`, from what they held and their
/// progress in the window: at least the tier the progress reaches (a
/// member goes up at once); the tier held while the progress is below it,
/// for `tier_grace_days` from when it fell below, then the tier the
/// progress reaches. Returns the status and what to hold from now on.
pub fn windowed(program: &Program, held: &Held, progress: i64, now: Timestamp) -> (TierStatus, Held) {
    let reached = tier_for(&program.tiers, progress);
    let reached_rank = rank(program, reached.map(|t| t.name.as_str()));
    let held_rank = rank(program, held.tier.as_deref());
    let (tier, below_since) = match (held_rank, reached_rank) {
        (Some(h), r) if r.is_none_or(|r| r < h) => {
            let since = held.below_since.unwrap_or(now);
            if now >= since.plus_days(program.tier_grace_days) {
                (reached_rank, None)
            } else {
                (Some(h), Some(since))
            }
        }
        _ => (reached_rank, None),
    };
    let current = tier.map(|i| &program.tiers[i]);
    // The next tier above the one shown (above a tier held in its grace,
    // the tiers above it).
    let next = program
        .tiers
        .iter()
        .enumerate()
        .find(|(i, t)| tier.is_none_or(|c| *i > c) && t.threshold > progress)
        .map(|(_, t)| NextTier { name: t.name.clone(), threshold: t.threshold, needed: t.threshold - progress });
    let status = TierStatus {
        tier: current.map(|t| t.name.clone()),
        multiplier_percent: current.map_or(100, |t| t.multiplier_percent),
        next,
    };
    (status, Held { tier: current.map(|t| t.name.clone()), below_since })
}

/// The tiers whose entry reward a member gets on moving from `from` to
/// `to`: each tier above `from` up to `to` that names one (a member who
/// skips a tier reaches it too). Nothing on the way down.
pub fn entry_rewards<'p>(program: &'p Program, from: Option<&str>, to: Option<&str>) -> Vec<&'p TierRule> {
    let (from, to) = (rank(program, from), rank(program, to));
    program
        .tiers
        .iter()
        .enumerate()
        .filter(|(i, t)| from.is_none_or(|f| *i > f) && to.is_some_and(|to| *i <= to) && t.entry_reward_id.is_some())
        .map(|(_, t)| t)
        .collect()
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

    fn windowed_program(grace: u32) -> Program {
        let mut p = program();
        p.tier_window = TierWindow::Rolling12Months;
        p.tier_grace_days = grace;
        p
    }

    #[test]
    fn windows_have_the_contract_s_names() {
        for w in [TierWindow::Lifetime, TierWindow::Rolling12Months, TierWindow::CalendarYear] {
            assert_eq!(serde_json::to_value(w).unwrap(), serde_json::json!(w.as_str()));
        }
    }

    #[test]
    fn a_windowed_tier_is_kept_through_its_grace_then_follows_the_window() {
        let p = windowed_program(30);
        let day = |d: i64| Timestamp(1_800_000_000 + d * 86_400);
        let (s, held) = windowed(&p, &Held::default(), 2_500, day(0));
        assert_eq!(s.tier.as_deref(), Some("Gold"), "up at once");
        let (s, held) = windowed(&p, &held, 100, day(1));
        assert_eq!((s.tier.as_deref(), held.below_since), (Some("Gold"), Some(day(1))), "kept while in grace");
        let (s, held2) = windowed(&p, &held, 100, day(30));
        assert_eq!(s.tier.as_deref(), Some("Gold"));
        let (s, _) = windowed(&p, &held2, 100, day(31));
        assert_eq!(s.tier.as_deref(), Some("Bronze"), "down once the grace has passed");
        let (s, back) = windowed(&p, &held, 2_000, day(10));
        assert_eq!((s.tier.as_deref(), back.below_since), (Some("Gold"), None), "back above: the grace ends");
        assert_eq!(
            window_start(TierWindow::CalendarYear, Timestamp::parse_rfc3339("2026-11-27T12:00:00Z").unwrap()),
            Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")
        );
        assert_eq!(
            window_start(TierWindow::Rolling12Months, Timestamp::parse_rfc3339("2028-02-29T12:00:00Z").unwrap()),
            Timestamp::parse_rfc3339("2027-02-28T00:00:00Z")
        );
        assert_eq!(window_start(TierWindow::Lifetime, day(0)), None);
        assert_eq!(
            window_resets(TierWindow::CalendarYear, Timestamp::parse_rfc3339("2026-11-27T12:00:00Z").unwrap()),
            Timestamp::parse_rfc3339("2027-01-01T00:00:00Z")
        );
        assert_eq!(window_resets(TierWindow::Rolling12Months, day(0)), None);
        let mut with_rewards = program();
        with_rewards.tiers[1].entry_reward_id = Some("WELCOME_SILVER".into());
        with_rewards.tiers[2].entry_reward_id = Some("WELCOME_GOLD".into());
        let names = |v: Vec<&TierRule>| v.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(entry_rewards(&with_rewards, Some("Bronze"), Some("Gold"))), ["Silver", "Gold"]);
        assert_eq!(names(entry_rewards(&with_rewards, Some("Gold"), Some("Silver"))), Vec::<String>::new());
        assert_eq!(names(entry_rewards(&with_rewards, None, Some("Silver"))), ["Silver"]);
        assert_eq!(direction(&p, Some("Bronze"), Some("Gold")), Some(TierDirection::Up));
        assert_eq!(direction(&p, Some("Gold"), Some("Silver")), Some(TierDirection::Down));
        assert_eq!(direction(&p, Some("Silver"), Some("Silver")), None);
    }

    proptest! {
        /// Whatever the progress does and however often the review runs:
        /// the tier is never below what the window's total reaches, and
        /// once the progress has stayed below the held tier for the whole
        /// grace, the tier is exactly what the total implies.
        #[test]
        fn once_the_grace_has_passed_the_tier_is_what_the_window_implies(
            grace in 0u32..40,
            steps in proptest::collection::vec((0i64..3_000, 0i64..20), 1..60),
        ) {
            let p = windowed_program(grace);
            let mut held = Held::default();
            let mut now = Timestamp(1_800_000_000);
            let mut below_since: Option<Timestamp> = None;
            for (progress, gap) in steps {
                now = now.plus_days(gap as u32);
                let (status, next) = windowed(&p, &held, progress, now);
                let implied = tier_for(&p.tiers, progress).map(|t| t.name.clone());
                let rank = |n: &Option<String>| n.as_ref().and_then(|n| p.tiers.iter().position(|t| &t.name == n));
                prop_assert!(rank(&status.tier) >= rank(&implied), "never below what the window reaches");
                // Track, as a reference, since when the progress has been
                // below the tier held.
                if rank(&implied) >= rank(&held.tier) { below_since = None } else if below_since.is_none() { below_since = Some(now) }
                if let Some(since) = below_since {
                    if now >= since.plus_days(grace) {
                        prop_assert_eq!(&status.tier, &implied, "the grace has passed");
                    }
                }
                if status.tier == implied { below_since = None }
                prop_assert_eq!(status.multiplier_percent, p.tiers.iter().find(|t| Some(&t.name) == status.tier.as_ref()).map_or(100, |t| t.multiplier_percent));
                held = next;
            }
        }

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
