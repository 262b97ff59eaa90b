//! Instants and calendar dates.
//!
//! Core takes the time as an argument (`now: Timestamp`) and never reads a
//! clock, so every rule that depends on time is a pure function. On the wire
//! instants are RFC 3339 strings in UTC; inside they are whole unix seconds,
//! which is all the precision a loyalty ledger needs.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
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

    /// Parses an RFC 3339 date-time (any offset, fractional seconds
    /// dropped; normalised to UTC). A leap second (`:60`) is refused. The
    /// date and the time may be separated by `T`, `t` or a space, as RFC
    /// 3339 allows (§5.6) and `time` accepts.
    ///
    /// By hand rather than with `time`'s parser, which the widget would
    /// otherwise link (every shopper downloads it) for the one format the
    /// contract uses; `tests::agrees_with_time` checks it against `time` on
    /// generated instants, offsets and malformed strings.
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        let num = |from: usize, len: usize| -> Option<i64> {
            let digits = b.get(from..from + len)?;
            digits.iter().try_fold(0i64, |n, d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
        };
        let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
        if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
            return None;
        }
        let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
        let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let mut i = 19;
        if at(i, b".") {
            let digits = b[i + 1..].iter().take_while(|d| d.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            i += 1 + digits;
        }
        let offset = if at(i, b"Zz") && b.len() == i + 1 {
            0
        } else if at(i, b"+-") && at(i + 3, b":") && b.len() == i + 6 {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if b[i] == b'-' {
                -minutes
            } else {
                minutes
            }
        } else {
            return None;
        };
        let local = days_from_civil(year, month, day) * DAY + hour * 3600 + minute * 60 + second;
        Some(Timestamp(local - offset * 60))
    }

    /// Formats as RFC 3339 in UTC, e.g. `2026-11-22T10:00:00Z`; an instant
    /// outside the years 0 to 9999 (which RFC 3339 cannot write) as the
    /// epoch.
    pub fn to_rfc3339(self) -> String {
        let (days, secs) = (self.0.div_euclid(DAY), self.0.rem_euclid(DAY));
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            return "1970-01-01T00:00:00Z".to_owned();
        }
        let mut out = String::with_capacity(20);
        // Zero-padded digits straight into `out`: no allocation per field
        // (every receipt and balance on the Worker writes timestamps).
        let mut push = |n: i64, width: u32, after: char| {
            for place in (0..width).rev() {
                out.push(char::from(b'0' + (n / 10i64.pow(place) % 10) as u8));
            }
            out.push(after);
        };
        push(year, 4, '-');
        push(month, 2, '-');
        push(day, 2, 'T');
        push(secs / 3600, 2, ':');
        push(secs % 3600 / 60, 2, ':');
        push(secs % 60, 2, 'Z');
        out
    }

    /// The UTC calendar date of this instant.
    pub fn date(self) -> Date {
        OffsetDateTime::from_unix_timestamp(self.0).map(|t| t.date()).unwrap_or(Date::MIN)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date: Howard Hinnant's
/// `days_from_civil` (<https://howardhinnant.github.io/date_algorithms.html>).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number of [`days_from_civil`]: its inverse,
/// `civil_from_days` from the same page.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
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

/// An RFC 3339 date-time string.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "date-time"})
    }
}

/// Parses a calendar date `YYYY-MM-DD` (also accepts a full RFC 3339 instant
/// and keeps its UTC date, because back offices send either).
///
/// Read here rather than by `time`'s format-description parser, which is
/// about 20 KB of the console's wasm (the rule builder checks dates as they
/// are typed) for four digits, two dashes and two pairs of digits;
/// property-tested against it (`dates_agree_with_time`).
pub fn parse_date(s: &str) -> Option<Date> {
    match s.as_bytes() {
        [y @ .., b'-', m1, m2, b'-', d1, d2] if y.len() == 4 => {
            let number = |digits: &[u8]| {
                digits.iter().try_fold(0u16, |n, c| c.is_ascii_digit().then(|| n * 10 + u16::from(c - b'0')))
            };
            let month = time::Month::try_from(u8::try_from(number(&[*m1, *m2])?).ok()?).ok()?;
            let day = u8::try_from(number(&[*d1, *d2])?).ok()?;
            Date::from_calendar_date(i32::from(number(y)?), month, day).ok()
        }
        _ => Timestamp::parse_rfc3339(s).map(Timestamp::date),
    }
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use time::format_description::well_known::Rfc3339;

    use super::*;

    #[test]
    fn rfc3339_round_trip_in_utc() {
        assert_eq!(
            Timestamp::parse_rfc3339("0000-01-01 00:00:00z"),
            Some(Timestamp(-62_167_219_200)),
            "a space for the T, as RFC 3339 allows: found by `refuses_what_time_refuses`"
        );
        let t = Timestamp::parse_rfc3339("2026-11-22T10:00:00+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-22T09:00:00Z");
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn rfc3339_edges() {
        let p = Timestamp::parse_rfc3339;
        assert_eq!(p("1970-01-01T00:00:00Z"), Some(Timestamp(0)));
        assert_eq!(
            p("2024-02-29T23:59:59.999999999-00:30").map(Timestamp::to_rfc3339).as_deref(),
            Some("2024-03-01T00:29:59Z")
        );
        assert_eq!(p("0000-01-01t00:00:00z").map(|t| t.0), Some(-62_167_219_200));
        for bad in [
            "2023-02-29T00:00:00Z",
            "2026-11-22T24:00:00Z",
            "2026-11-22T10:00:60Z",
            "2026-11-22T10:00:00",
            "2026-11-22T10:00:00.Z",
            "2026-11-22T10:00:00+1:00",
            "2026-11-22T10:00:00+01:00x",
            "２026-11-22T10:00:00Z",
            "",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
        assert_eq!(Timestamp(-1).to_rfc3339(), "1969-12-31T23:59:59Z");
        assert_eq!(Timestamp(253_402_300_800).to_rfc3339(), "1970-01-01T00:00:00Z", "year 10000");
    }

    proptest::proptest! {
        // The hand-written RFC 3339 code against `time`'s, on every instant
        // the format can write, with any offset and fraction.
        #[test]
        fn agrees_with_time(
            secs in -62_167_219_200i64..253_402_300_800,
            offset_minutes in -(23 * 60 + 59)..=(23i32 * 60 + 59),
            nanos in 0u32..1_000_000_000,
        ) {
            let utc = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            proptest::prop_assert_eq!(Timestamp(secs).to_rfc3339(), utc.format(&Rfc3339).unwrap());
            let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
            let local = utc.replace_nanosecond(nanos).unwrap().to_offset(offset);
            if let Ok(text) = local.format(&Rfc3339) {
                proptest::prop_assert_eq!(Timestamp::parse_rfc3339(&text), Some(Timestamp(secs)), "{}", text);
            }
        }

        // The hand-written date reader against `time`'s `[year]-[month]-[day]`
        // on every string of that shape, valid or not.
        #[test]
        fn dates_agree_with_time(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}") {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            proptest::prop_assert_eq!(parse_date(&text), Date::parse(&text, &fmt).ok(), "{}", text);
        }

        // Every date from 0000-01-01 to 9999-12-31 (Julian days).
        #[test]
        fn every_date_reads_back(day in 1_721_060i32..=5_373_484) {
            let d = Date::from_julian_day(day).unwrap();
            proptest::prop_assert_eq!(parse_date(&format_date(d)), Some(d));
        }

        #[test]
        fn refuses_what_time_refuses(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,3})?([Zz]|[+-][0-9]{2}:[0-9]{2})?") {
            let theirs = OffsetDateTime::parse(&text, &Rfc3339).ok().map(|t| Timestamp(t.unix_timestamp()));
            // `time` reads `:60` as a leap second; the contract never sends one.
            if !text[17..19].starts_with("60") {
                proptest::prop_assert_eq!(Timestamp::parse_rfc3339(&text), theirs, "{}", text);
            }
        }
    }

    #[test]
    fn dates() {
        let d = parse_date("2024-02-29").unwrap();
        assert_eq!(format_date(d), "2024-02-29");
        assert!(parse_date("2023-02-29").is_none());
        for bad in
            ["2024-2-29", "2024-02-29 ", "+2024-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "２024-01-01", ""]
        {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_date("0000-01-01").map(format_date).as_deref(), Some("0000-01-01"));
        assert_eq!(parse_date("2024-03-01T23:30:00Z").map(format_date).as_deref(), Some("2024-03-01"));
    }
}
