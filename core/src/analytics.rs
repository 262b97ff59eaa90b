//! Analytics (`GET /v1/analytics/summary`): the range asked for, and the
//! summary made of the daily figures the schema keeps as the ledger is
//! written (migration 0017). Nothing here reads a ledger.

use time::Date;

use crate::error::{Error, Issue};
use crate::program::PointsValue;
use crate::timestamp::{format_date, parse_date};
use crate::wire::{AnalyticsDay, AnalyticsTotals};

/// The longest range one summary covers, in days.
pub const MAX_DAYS: i64 = 366;

/// The range `from`..=`to` (UTC days, `YYYY-MM-DD`), at most
/// [`MAX_DAYS`] long; every problem at once.
pub fn range(from: Option<&str>, to: Option<&str>) -> Result<(Date, Date), Error> {
    let mut issues = Vec::new();
    let mut day = |name: &str, v: Option<&str>| match v.map(parse_date) {
        Some(Some(d)) => Some(d),
        Some(None) => {
            issues.push(Issue::new(name, "must be a date YYYY-MM-DD"));
            None
        }
        None => {
            issues.push(Issue::new(name, "is required (YYYY-MM-DD)"));
            None
        }
    };
    let (from, to) = (day("from", from), day("to", to));
    if let (Some(f), Some(t)) = (from, to) {
        let days = (t - f).whole_days() + 1;
        if days < 1 {
            issues.push(Issue::new("to", "must not be before from"));
        } else if days > MAX_DAYS {
            issues.push(Issue::new("to", format!("the range may cover at most {MAX_DAYS} days")));
        }
    }
    match (from, to) {
        (Some(f), Some(t)) if issues.is_empty() => Ok((f, t)),
        _ => Err(Error::Invalid(issues)),
    }
}

/// Every day of the range, in order, with its figures (a day without
/// any is all zeros): what a chart plots.
pub fn days(from: Date, to: Date, known: &[AnalyticsDay]) -> Vec<AnalyticsDay> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let date = format_date(d);
        out.push(
            known
                .iter()
                .find(|k| k.date == date)
                .cloned()
                .unwrap_or_else(|| AnalyticsDay { date, ..AnalyticsDay::default() }),
        );
        match d.next_day() {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

/// What `points` are worth at the program's `points_value`, in minor
/// units, rounded down; `None` when the program sets no value.
pub fn liability(points: i64, value: Option<&PointsValue>) -> Option<i64> {
    let v = value.filter(|v| v.points > 0)?;
    i64::try_from(i128::from(points.max(0)) * i128::from(v.amount_minor) / i128::from(v.points)).ok()
}

/// The range's totals: sums of its days, with the figures that are not
/// per day (outstanding points, their worth, members) beside them.
pub fn totals(
    days: &[AnalyticsDay],
    outstanding: i64,
    value: Option<&PointsValue>,
    members_total: i64,
    members_active: i64,
) -> AnalyticsTotals {
    let sum = |f: fn(&AnalyticsDay) -> i64| days.iter().map(f).sum::<i64>();
    AnalyticsTotals {
        points_issued: sum(|d| d.points_issued),
        points_redeemed: sum(|d| d.points_redeemed),
        points_expired: sum(|d| d.points_expired),
        points_outstanding: outstanding,
        liability_minor: liability(outstanding, value),
        members_total,
        members_active,
        redemptions: sum(|d| d.redemptions),
        purchases: sum(|d| d.purchases),
        purchase_amount_minor: sum(|d| d.purchase_amount_minor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_range_is_one_to_366_days_of_dates() {
        assert!(range(Some("2026-01-01"), Some("2026-12-31")).is_ok());
        assert!(range(Some("2024-01-01"), Some("2024-12-31")).is_ok(), "a leap year is 366 days");
        assert!(range(Some("2026-01-01"), Some("2027-01-02")).is_err());
        assert!(range(Some("2026-02-02"), Some("2026-02-01")).is_err());
        let Err(Error::Invalid(issues)) = range(Some("yesterday"), None) else { panic!() };
        assert_eq!(issues.iter().map(|i| i.path.as_str()).collect::<Vec<_>>(), ["from", "to"]);
        assert_eq!(liability(1_250, Some(&PointsValue { points: 100, amount_minor: 100 })), Some(1_250));
        assert_eq!(liability(1_250, Some(&PointsValue { points: 100, amount_minor: 5 })), Some(62));
        assert_eq!(liability(1_250, None), None);
    }

    proptest! {
        /// Every day of the range once, in order, each with its own figures.
        #[test]
        fn the_days_cover_the_range_once(start in 0i64..3_000, len in 1i64..=MAX_DAYS, pick in proptest::collection::vec(0i64..400, 0..20)) {
            let from = parse_date("2020-01-01").unwrap() + time::Duration::days(start);
            let to = from + time::Duration::days(len - 1);
            let known: Vec<AnalyticsDay> = pick.iter().filter(|p| **p < len).map(|p| AnalyticsDay {
                date: format_date(from + time::Duration::days(*p)),
                points_issued: *p + 1,
                ..AnalyticsDay::default()
            }).collect();
            let all = days(from, to, &known);
            prop_assert_eq!(all.len() as i64, len);
            prop_assert!(all.windows(2).all(|w| w[0].date < w[1].date));
            for k in &known {
                prop_assert_eq!(all.iter().find(|d| d.date == k.date).map(|d| d.points_issued), Some(k.points_issued));
            }
            let t = totals(&all, 0, None, 0, 0);
            let mut distinct: Vec<&AnalyticsDay> = known.iter().collect();
            distinct.sort_by(|a, b| a.date.cmp(&b.date));
            distinct.dedup_by(|a, b| a.date == b.date);
            prop_assert_eq!(t.points_issued, distinct.iter().map(|d| d.points_issued).sum::<i64>());
        }
    }
}
