//! Instants and calendar dates.
//!
//! Core takes the time as an argument (`now: Timestamp`) and never reads a
//! clock, so every rule that depends on time is a pure function. On the wire
//! instants are RFC 3339 strings in UTC; inside they are whole unix seconds,
//! which is all the precision a loyalty ledger needs.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

/// Seconds in a day, for policies stated in days.
pub const DAY: i64 = 86_400;

/// An instant, in whole seconds since the unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The instant `days` whole days later.
    pub fn plus_days(self, days: u32) -> Timestamp {
        Timestamp(self.0.saturating_add(i64::from(days) * DAY))
    }

    /// The instant `secs` seconds later.
    pub fn plus_secs(self, secs: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs))
    }

    /// Parses an RFC 3339 string (any offset; normalised to UTC).
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        OffsetDateTime::parse(s, &Rfc3339).ok().map(|t| Timestamp(t.unix_timestamp()))
    }

    /// Formats as RFC 3339 in UTC, e.g. `2026-11-22T10:00:00Z`.
    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp(self.0)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
    }

    /// The UTC calendar date of this instant.
    pub fn date(self) -> Date {
        OffsetDateTime::from_unix_timestamp(self.0).map(|t| t.date()).unwrap_or(Date::MIN)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 date-time"))
    }
}

/// Parses a calendar date `YYYY-MM-DD` (also accepts a full RFC 3339 instant
/// and keeps its UTC date, because back offices send either).
pub fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt).ok().or_else(|| Timestamp::parse_rfc3339(s).map(Timestamp::date))
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_in_utc() {
        let t = Timestamp::parse_rfc3339("2026-11-22T10:00:00+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-22T09:00:00Z");
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn dates() {
        let d = parse_date("2024-02-29").unwrap();
        assert_eq!(format_date(d), "2024-02-29");
        assert!(parse_date("2023-02-29").is_none());
        assert_eq!(parse_date("2024-03-01T23:30:00Z").map(format_date).as_deref(), Some("2024-03-01"));
    }
}
