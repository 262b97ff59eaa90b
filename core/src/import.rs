//! Bulk import (`POST /v1/imports`): which rows of a request can be
//! imported, each checked on its own so one bad row is reported and the
//! others go in. The edge writes the good ones in one statement whose
//! `imports` row per member makes a second import of the member a no-op
//! (migration 0012).
//!
//! The attribute checks are the same a member's `PATCH` makes
//! ([`check_email`], [`check_tags`]).

use serde::Serialize;

use crate::error::Issue;
use crate::ids::is_valid_id;
use crate::numbers::MAX_SAFE;
use time::Date;

use crate::timestamp::{format_date, parse_date, Timestamp};
use crate::wire::{ImportIssue, ImportRow};

/// Most rows a request may hold.
pub const MAX_ROWS: usize = 1_000;

/// A row that can be imported, as the edge writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    /// Id.
    pub customer_id: String,
    /// E-mail.
    pub email: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Birthday, `YYYY-MM-DD`.
    pub birthday: Option<String>,
    /// Tags as stored: a sorted JSON array, or `None` for none given.
    pub tags: Option<String>,
    /// Enrolment date, `YYYY-MM-DD`.
    pub enrolled_at: String,
    /// Points to credit.
    pub points: i64,
    /// Lifetime points (≥ `points`).
    pub lifetime_earned: i64,
}

/// Whether `email` looks like an address: what a `PATCH` and an import accept.
pub fn check_email(email: &str) -> Option<Issue> {
    (email.len() > 254 || !email.contains('@') || email.chars().any(char::is_whitespace))
        .then(|| Issue::new("email", "must be an e-mail address"))
}

/// Whether `tags` are at most 100 tags of 1 to 64 characters.
pub fn check_tags(tags: &[String]) -> Option<Issue> {
    (tags.len() > 100 || tags.iter().any(|t| t.is_empty() || t.len() > 64))
        .then(|| Issue::new("tags", "must be at most 100 tags of 1 to 64 characters"))
}

/// Tags as stored: sorted, without duplicates, as a JSON array.
pub fn stored_tags(mut tags: Vec<String>) -> String {
    tags.sort();
    tags.dedup();
    serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into())
}

fn date_or_instant(s: &str) -> Option<Date> {
    parse_date(s).or_else(|| Timestamp::parse_rfc3339(s).map(Timestamp::date))
}

/// Checks one decoded row; `today` is the default enrolment date.
pub fn check(row: ImportRow, today: Date) -> Result<Import, String> {
    let mut issues = Vec::new();
    if !is_valid_id(&row.customer_id) {
        issues.push(Issue::new("customer_id", "must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @"));
    }
    let email = row.email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    if let Some(e) = &email {
        issues.extend(check_email(e));
    }
    let name = row.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
        issues.push(Issue::new("name", "must be at most 200 characters"));
    }
    let birthday = match row.birthday.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        None => None,
        Some(b) => match parse_date(b) {
            Some(d) => Some(format_date(d)),
            None => {
                issues.push(Issue::new("birthday", "must be a date YYYY-MM-DD"));
                None
            }
        },
    };
    let enrolled_at = match row.enrolled_at.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        None => format_date(today),
        Some(e) => match date_or_instant(e) {
            Some(d) if d <= today => format_date(d),
            Some(_) => {
                issues.push(Issue::new("enrolled_at", "must not be in the future"));
                String::new()
            }
            None => {
                issues.push(Issue::new("enrolled_at", "must be a date YYYY-MM-DD or an RFC 3339 date-time"));
                String::new()
            }
        },
    };
    if let Some(t) = &row.tags {
        issues.extend(check_tags(t));
    }
    if row.points < 0 {
        issues.push(Issue::new("points", "must be 0 or more"));
    }
    let lifetime_earned = row.lifetime_earned.unwrap_or(row.points);
    if lifetime_earned < row.points {
        issues.push(Issue::new("lifetime_earned", "must be at least points"));
    }
    if !(0..=MAX_SAFE).contains(&lifetime_earned) {
        issues.push(Issue::new("lifetime_earned", "must be within 0 and 2^53 - 1"));
    }
    if !issues.is_empty() {
        return Err(crate::Error::Invalid(issues).to_string());
    }
    Ok(Import {
        customer_id: row.customer_id,
        email,
        name,
        birthday,
        tags: row.tags.map(stored_tags),
        enrolled_at,
        points: row.points,
        lifetime_earned,
    })
}

/// Reads every row of a request: the rows to import, and an issue for each
/// row that cannot be (wrong shape, bad field, a customer named twice).
pub fn rows(members: Vec<serde_json::Value>, today: Date) -> (Vec<(u32, Import)>, Vec<ImportIssue>) {
    let mut good: Vec<(u32, Import)> = Vec::with_capacity(members.len());
    let mut issues = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, value) in members.into_iter().enumerate() {
        let row = u32::try_from(i).unwrap_or(u32::MAX);
        let customer_id = value.get("customer_id").and_then(|c| c.as_str()).map(str::to_owned);
        let checked =
            serde_json::from_value::<ImportRow>(value).map_err(|e| e.to_string()).and_then(|r| check(r, today));
        match checked {
            Ok(import) if !seen.insert(import.customer_id.clone()) => issues.push(ImportIssue {
                row,
                customer_id,
                message: "this customer_id is on an earlier row of the request".into(),
            }),
            Ok(import) => good.push((row, import)),
            Err(message) => issues.push(ImportIssue { row, customer_id, message }),
        }
    }
    (good, issues)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> Date {
        parse_date("2026-11-27").unwrap()
    }

    #[test]
    fn good_rows_are_normalised_and_bad_ones_named_by_index() {
        let (good, bad) = rows(
            vec![
                json!({"customer_id": "c1", "email": " a@b.c ", "tags": ["vip", "a", "vip"], "points": 120,
                       "enrolled_at": "2024-03-01T10:00:00Z", "lifetime_earned": 400}),
                json!({"customer_id": "c 2", "points": 5}),
                json!({"customer_id": "c3", "points": "many"}),
                json!({"customer_id": "c4", "points": 10, "lifetime_earned": 5}),
                json!({"customer_id": "c1", "points": 1}),
                json!({"customer_id": "c5", "points": 0, "birthday": "1990-02-30"}),
                json!({"customer_id": "c6", "points": 7, "colour": "red"}),
                json!({"customer_id": "c7", "points": 7}),
            ],
            today(),
        );
        assert_eq!(good.len(), 2);
        let (row, c1) = &good[0];
        assert_eq!(*row, 0);
        assert_eq!(c1.email.as_deref(), Some("a@b.c"));
        assert_eq!(c1.tags.as_deref(), Some(r#"["a","vip"]"#));
        assert_eq!(c1.enrolled_at, "2024-03-01");
        assert_eq!(c1.lifetime_earned, 400);
        assert_eq!(good[1].1.enrolled_at, "2026-11-27");
        assert_eq!(good[1].1.lifetime_earned, 7);
        let named: Vec<(u32, Option<&str>)> = bad.iter().map(|i| (i.row, i.customer_id.as_deref())).collect();
        assert_eq!(
            named,
            vec![(1, Some("c 2")), (2, Some("c3")), (3, Some("c4")), (4, Some("c1")), (5, Some("c5")), (6, Some("c6"))]
        );
        assert!(bad[3].message.contains("earlier row"), "{}", bad[3].message);
        assert!(bad[2].message.contains("lifetime_earned"), "{}", bad[2].message);
    }

    #[test]
    fn figures_beyond_the_safe_range_or_negative_are_refused() {
        let (good, bad) = rows(
            vec![json!({"customer_id": "a", "points": 9007199254740992u64}), json!({"customer_id": "b", "points": -1})],
            today(),
        );
        assert!(good.is_empty());
        assert_eq!(bad.len(), 2);
    }
}
