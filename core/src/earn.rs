//! How many points an event earns.
//!
//! All integer arithmetic, rounding down (a shopper never gets a fraction of
//! a point, and rounding is never in the shopper's disfavour by more than
//! one point), computed in `i128` so no amount can overflow.

use crate::eligibility::MemberAttributes;
use crate::error::Error;
use crate::program::{Activity, BonusEvent, Campaign, Program, PurchaseRule};
use crate::timestamp::Timestamp;
use crate::wire::LineItem;
use time::Date;

/// Points for a purchase of `amount_minor` by a member whose tier earns
/// `multiplier_percent`: `floor(amount × points × multiplier / (per_amount × 100))`.
pub fn purchase_points(rule: &PurchaseRule, amount_minor: i64, multiplier_percent: u32) -> i64 {
    if amount_minor <= 0 || rule.per_amount_minor <= 0 || rule.points <= 0 {
        return 0;
    }
    let num = i128::from(amount_minor) * i128::from(rule.points) * i128::from(multiplier_percent);
    let den = i128::from(rule.per_amount_minor) * 100;
    i64::try_from(num / den).unwrap_or(i64::MAX)
}

/// What a purchase earns and when it becomes spendable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseEarning {
    /// Points earned (0 is possible for tiny orders).
    pub points: i64,
    /// When the points become spendable (= `occurred_at` with no pending period).
    pub available_at: Timestamp,
    /// When the points expire, under the program's expiry policy.
    pub expires_at: Option<Timestamp>,
    /// With items: what each earned (`points` is their sum).
    pub items: Vec<crate::wire::ItemPoints>,
}

/// The campaign that multiplies a purchase made at `at` by a member with
/// `attrs`: of the campaigns running then whose rules the member meets,
/// the one with the largest multiplier (the first listed, on a tie).
/// Campaigns do not add up: the larger applies.
pub fn campaign<'p>(program: &'p Program, attrs: &MemberAttributes, at: Timestamp) -> Option<&'p Campaign> {
    program.campaigns.iter().filter(|c| c.starts_at <= at && at < c.ends_at && c.eligibility.check(attrs).is_ok()).fold(
        None,
        |best: Option<&Campaign>, c| match best {
            Some(b) if b.multiplier_percent >= c.multiplier_percent => Some(b),
            _ => Some(c),
        },
    )
}

/// Checks a purchase event and computes its earning.
///
/// Refuses a currency other than the program's (converting is the store's
/// job), non-positive amounts, items that do not fit the amount
/// ([`crate::items::check`]), and purchases dated in the future. With
/// `items`, the order earns item by item ([`crate::items::earn`]).
#[allow(clippy::too_many_arguments)] // each is one fact of the purchase; a struct would only rename them
pub fn purchase(
    program: &Program,
    amount_minor: i64,
    items: Option<&[LineItem]>,
    currency: &str,
    multiplier_percent: u32,
    campaign: Option<&Campaign>,
    occurred_at: Timestamp,
    now: Timestamp,
) -> Result<PurchaseEarning, Error> {
    if amount_minor <= 0 {
        return Err(Error::invalid("amount_minor", "must be a positive integer"));
    }
    if currency != program.currency {
        return Err(Error::invalid("currency", format!("the program earns in {}", program.currency)));
    }
    if occurred_at > now.plus_secs(crate::token::MAX_CLOCK_SKEW_SECS) {
        return Err(Error::invalid("occurred_at", "must not be in the future"));
    }
    if let Some(items) = items {
        crate::items::check(items, amount_minor)?;
    }
    // The tier's and the campaign's multipliers compound: 150 % × 200 % = 300 %.
    let combined =
        u32::try_from(u64::from(multiplier_percent) * u64::from(campaign.map_or(100, |c| c.multiplier_percent)) / 100)
            .unwrap_or(u32::MAX);
    let (points, items) = match items {
        None => (purchase_points(&program.earn.purchase, amount_minor, combined), Vec::new()),
        Some(items) => {
            let each = crate::items::earn(&program.earn, items, combined);
            (each.iter().fold(0i64, |sum, i| sum.saturating_add(i.points)), each)
        }
    };
    if points > crate::numbers::MAX_SAFE {
        return Err(Error::invalid("amount_minor", "earns more points than a balance can hold (2^53 - 1)"));
    }
    let available_at = occurred_at.plus_days(program.pending_days);
    Ok(PurchaseEarning { points, available_at, expires_at: expires_at(program, available_at), items })
}

/// When points that become spendable at `available_at` expire.
pub fn expires_at(program: &Program, available_at: Timestamp) -> Option<Timestamp> {
    program.expiry_days.map(|d| available_at.plus_days(d))
}

/// The bonus a member gets for `event`, given how many times they already
/// got it (`prior`) and, for birthdays, whether they got it for this
/// birthday's year ([`birthday_year`], [`birthday_due`]). `None` when the
/// program has no such bonus or the cap is reached.
pub fn bonus_points(program: &Program, event: BonusEvent, prior: u32, already_this_year: bool) -> Option<i64> {
    let rule = program.bonus(event)?;
    if rule.per_member_cap.is_some_and(|cap| prior >= cap) {
        return None;
    }
    if event == BonusEvent::Birthday && already_this_year {
        return None;
    }
    Some(rule.points)
}

/// The points of one more `activity` for a member who had it `prior` times
/// in all and `in_period` times within its period; `None` past a cap.
pub fn activity_points(activity: &Activity, prior: u32, in_period: u32) -> Option<i64> {
    if activity.per_member_cap.is_some_and(|cap| prior >= cap) {
        return None;
    }
    if activity.per_period.is_some_and(|p| in_period >= p.count) {
        return None;
    }
    Some(activity.points)
}

/// Where the period of `activity`'s per-period cap starts at `now`: its
/// claims after this instant count against it. `None` without such a cap.
pub fn activity_period_start(activity: &Activity, now: Timestamp) -> Option<Timestamp> {
    activity.per_period.map(|p| Timestamp(now.0 - i64::from(p.days) * 86_400))
}

/// How many more times `activity` earns for a member who had it `prior`
/// times in all and `in_period` times within its period: `None` when it
/// has no cap; `Some(0)` exactly when [`activity_points`] gives nothing.
pub fn activity_left(activity: &Activity, prior: u32, in_period: u32) -> Option<u32> {
    let ever = activity.per_member_cap.map(|cap| cap.saturating_sub(prior));
    let now = activity.per_period.map(|p| p.count.saturating_sub(in_period));
    match (ever, now) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// How many days late the scheduled job still grants a birthday bonus
/// (it runs every minute; this covers a job stopped for a while).
pub const BIRTHDAY_LATE_DAYS: i64 = 7;

/// A member's birthday in `year`: 29 February is the 28th in other years.
pub fn birthday_in(birthday: Date, year: i32) -> Option<Date> {
    Date::from_calendar_date(year, birthday.month(), birthday.day())
        .or_else(|_| Date::from_calendar_date(year, birthday.month(), birthday.day() - 1))
        .ok()
}

/// The birthday the scheduled job grants on `today`, if any: the member's
/// latest birthday on or before `today`, when at most
/// [`BIRTHDAY_LATE_DAYS`] have passed since. Its year is the year the
/// bonus is for (a birthday on 30 December granted on 2 January counts
/// for the December's year), so a late job never grants two in a year.
pub fn birthday_due(birthday: Date, today: Date) -> Option<Date> {
    let this_year = birthday_in(birthday, today.year())?;
    let latest = if this_year <= today { this_year } else { birthday_in(birthday, today.year() - 1)? };
    ((today - latest).whole_days() <= BIRTHDAY_LATE_DAYS).then_some(latest)
}

/// The year a birthday bonus granted on `today` counts for: that of the
/// member's birthday nearest to `today`, before or after (a store that
/// grants it a few days early or late grants that birthday's), as the
/// job's [`birthday_due`] counts it; the calendar year when the birthday
/// is not known. One claim per member and year (migration 0001) then
/// holds whoever grants it first.
pub fn birthday_year(birthday: Option<Date>, today: Date) -> i32 {
    let Some(b) = birthday else { return today.year() };
    [today.year() - 1, today.year(), today.year() + 1]
        .into_iter()
        .filter_map(|y| birthday_in(b, y))
        .min_by_key(|d| (*d - today).whole_days().abs())
        .map_or(today.year(), |d| d.year())
}

/// The month and day (`MM-DD`, the end of a stored birthday) of every
/// birthday [`birthday_due`] grants on `today`: what the job looks up.
pub fn birthday_month_days(today: Date) -> Vec<String> {
    let mut out = Vec::new();
    for back in 0..=BIRTHDAY_LATE_DAYS {
        let Some(d) = today.checked_sub(time::Duration::days(back)) else { continue };
        out.push(format!("{:02}-{:02}", u8::from(d.month()), d.day()));
        if d.month() == time::Month::February && d.day() == 28 && !time::util::is_leap_year(d.year()) {
            out.push("02-29".into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(points: i64, per: i64) -> PurchaseRule {
        PurchaseRule { points, per_amount_minor: per }
    }

    fn date(s: &str) -> Date {
        crate::timestamp::parse_date(s).unwrap()
    }

    #[test]
    fn a_birthday_is_due_on_the_day_and_up_to_a_week_late_for_its_own_year() {
        let b = date("1990-12-30");
        assert_eq!(birthday_due(b, date("2026-12-29")), None);
        assert_eq!(birthday_due(b, date("2026-12-30")), Some(date("2026-12-30")));
        assert_eq!(birthday_due(b, date("2027-01-06")), Some(date("2026-12-30")));
        assert_eq!(birthday_due(b, date("2027-01-07")), None);
        let leap = date("2000-02-29");
        assert_eq!(birthday_due(leap, date("2027-02-28")), Some(date("2027-02-28")));
        assert_eq!(birthday_due(leap, date("2028-02-29")), Some(date("2028-02-29")));
        assert_eq!(birthday_due(leap, date("2028-02-28")), None);
        assert!(birthday_month_days(date("2027-03-01")).contains(&"02-29".to_owned()));
    }

    #[test]
    fn a_birthday_granted_by_hand_counts_for_the_nearest_birthday() {
        assert_eq!(birthday_year(Some(date("1990-12-30")), date("2027-01-02")), 2026);
        assert_eq!(birthday_year(Some(date("1990-01-03")), date("2026-12-28")), 2027);
        assert_eq!(birthday_year(Some(date("1990-06-15")), date("2026-06-01")), 2026);
        assert_eq!(birthday_year(None, date("2027-01-02")), 2027);
    }

    proptest! {
        /// A birthday the job grants, late or not, and the same birthday
        /// granted by hand up to a week either side count for one year.
        #[test]
        fn by_hand_and_by_the_job_a_birthday_counts_for_one_year(b in 0i64..3_650, t in 0i64..3_000, off in -7i64..=7) {
            let birthday = date("1980-01-01") + time::Duration::days(b);
            let today = date("2020-01-01") + time::Duration::days(t);
            if let Some(occurrence) = birthday_due(birthday, today) {
                let by_hand = occurrence + time::Duration::days(off);
                prop_assert_eq!(birthday_year(Some(birthday), by_hand), occurrence.year());
            }
        }

        /// What the job looks up by month and day is exactly what it grants.
        #[test]
        fn the_month_days_looked_up_are_the_birthdays_due(b in 0i32..3_000, t in 0i32..3_000) {
            let birthday = date("1990-01-01") + time::Duration::days(i64::from(b) * 7 % 3_650);
            let today = date("2024-01-01") + time::Duration::days(i64::from(t));
            let md = format!("{:02}-{:02}", u8::from(birthday.month()), birthday.day());
            prop_assert_eq!(birthday_due(birthday, today).is_some(), birthday_month_days(today).contains(&md));
        }

        /// A job that runs at least every 8 days grants each birthday every
        /// year (once: the claim is keyed by the birthday's year).
        #[test]
        fn once_a_year_whatever_the_gaps(b in 0i64..3_650, gaps in proptest::collection::vec(1i64..=8, 200..400)) {
            let birthday = date("1980-01-01") + time::Duration::days(b);
            let mut today = date("2020-01-01");
            let mut granted = std::collections::BTreeMap::new();
            for g in gaps {
                if let Some(occurrence) = birthday_due(birthday, today) {
                    // The claim is keyed by the occurrence's year.
                    granted.entry(occurrence.year()).or_insert(today);
                }
                today += time::Duration::days(g);
            }
            let last_full_year = today.year() - 1;
            for year in 2021..last_full_year {
                prop_assert!(granted.contains_key(&year), "no birthday in {}", year);
            }
        }
    }

    #[test]
    fn the_largest_running_campaign_the_member_may_have_applies() {
        let mut p = crate::program::Program::from_json(crate::program::tests_support::DEMO).unwrap();
        let t = |s: &str| Timestamp::parse_rfc3339(s).unwrap();
        let c = |id: &str, pct: u32, from: &str, to: &str, rule: serde_json::Value| Campaign {
            campaign_id: id.into(),
            name: id.into(),
            multiplier_percent: pct,
            starts_at: t(from),
            ends_at: t(to),
            eligibility: crate::eligibility::Eligibility::parse(&rule, "eligibility").unwrap(),
        };
        let vip =
            serde_json::json!([{"conditions": [{"attribute": "tags", "operator": "contains_any", "value": ["vip"]}]}]);
        p.campaigns = vec![
            c("double", 200, "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z", serde_json::json!([])),
            c("vip-triple", 300, "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z", vip),
            c("also-double", 200, "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z", serde_json::json!([])),
        ];
        p.validate().unwrap();
        let anyone = MemberAttributes::default();
        let a_vip = MemberAttributes { tags: vec!["vip".into()], ..MemberAttributes::default() };
        let noon = t("2026-11-27T12:00:00Z");
        assert_eq!(campaign(&p, &anyone, noon).map(|c| c.campaign_id.as_str()), Some("double"));
        assert_eq!(campaign(&p, &a_vip, noon).map(|c| c.campaign_id.as_str()), Some("vip-triple"));
        assert_eq!(campaign(&p, &anyone, t("2026-11-28T00:00:00Z")), None, "the end is not in the window");
        assert_eq!(campaign(&p, &anyone, t("2026-11-27T00:00:00Z")).map(|c| c.multiplier_percent), Some(200));
        let words = p.earn_rules_in_words(crate::lang::Lang::En, noon);
        assert!(words.contains(&"double: 2x points on purchases".to_owned()), "{words:?}");
        assert!(words.contains(&"vip-triple: 3x points on purchases, for some members".to_owned()), "{words:?}");
        assert!(!p
            .earn_rules_in_words(crate::lang::Lang::En, t("2026-11-28T00:00:00Z"))
            .iter()
            .any(|w| w.contains("double")));
        let e = purchase(&p, 10_000, None, "USD", 150, campaign(&p, &a_vip, noon), noon, noon).unwrap();
        assert_eq!(e.points, 450, "100 points × 150 % × 300 %");
        p.campaigns[0].ends_at = p.campaigns[0].starts_at;
        assert!(p.validate().is_err());
    }

    proptest! {
        /// What is left says whether the next claim earns.
        #[test]
        fn what_is_left_agrees_with_what_earns(
            cap in proptest::option::of(1u32..5),
            period in proptest::option::of((1u32..4, 1u32..30)),
            prior in 0u32..8,
            recent in 0u32..8,
        ) {
            let a = Activity {
                activity_id: "a".into(),
                name: "A".into(),
                points: 10,
                per_member_cap: cap,
                per_period: period.map(|(count, days)| crate::program::Period { count, days }),
            };
            let in_period = recent.min(prior);
            let left = activity_left(&a, prior, in_period);
            prop_assert_eq!(left == Some(0), activity_points(&a, prior, in_period).is_none());
            prop_assert_eq!(left.is_none(), cap.is_none() && period.is_none());
        }
    }

    #[test]
    fn one_point_per_dollar_rounds_down() {
        assert_eq!(purchase_points(&rule(1, 100), 12_999, 100), 129);
        assert_eq!(purchase_points(&rule(1, 100), 99, 100), 0);
        assert_eq!(purchase_points(&rule(1, 100), 12_999, 150), 194);
        assert_eq!(purchase_points(&rule(5, 1000), 2500, 125), 15);
    }

    #[test]
    fn extreme_amounts_do_not_overflow() {
        assert_eq!(purchase_points(&rule(1_000_000, 1), i64::MAX, 1000), i64::MAX);
    }

    proptest! {
        #[test]
        fn earning_is_monotonic_and_never_above_the_exact_value(a in 0i64..10_000_000, b in 0i64..10_000_000, m in 100u32..=1000) {
            let r = rule(3, 250);
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(purchase_points(&r, lo, m) <= purchase_points(&r, hi, m));
            let p = purchase_points(&r, hi, m);
            // p <= exact < p + 1, in integers: p*250*100 <= hi*3*m < (p+1)*250*100
            prop_assert!(i128::from(p) * 25_000 <= i128::from(hi) * 3 * i128::from(m));
            prop_assert!(i128::from(hi) * 3 * i128::from(m) < (i128::from(p) + 1) * 25_000);
        }
    }
}
