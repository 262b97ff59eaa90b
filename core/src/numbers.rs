//! The contract's integers: every figure on the wire and in the ledger lies
//! within ±(2^53 − 1), so that JavaScript (the widget, D1's driver, a
//! store's checkout) reads it exactly. Requests are checked where they are
//! parsed ([`safe`], [`safe_opt`]); what a request would make of a stored
//! figure is guarded by the schema (migration 0006).

use serde::{Deserialize, Deserializer};

/// 2^53 − 1, the largest integer every JSON reader holds exactly.
pub const MAX_SAFE: i64 = (1 << 53) - 1;

/// Whether `n` lies within ±[`MAX_SAFE`].
pub fn is_safe(n: i64) -> bool {
    (-MAX_SAFE..=MAX_SAFE).contains(&n)
}

fn out_of_range<E: serde::de::Error>(n: i64) -> E {
    E::custom(format!("{n} is outside ±9007199254740991 (2^53 - 1)"))
}

/// `#[serde(deserialize_with = "numbers::safe")]`: an integer within
/// ±[`MAX_SAFE`].
pub fn safe<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = i64::deserialize(d)?;
    if is_safe(n) {
        Ok(n)
    } else {
        Err(out_of_range(n))
    }
}

/// [`safe`] for an optional field (with `#[serde(default)]`).
pub fn safe_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<i64>::deserialize(d)? {
        Some(n) if !is_safe(n) => Err(out_of_range(n)),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Debug)]
    struct Body {
        #[serde(deserialize_with = "safe")]
        n: i64,
        #[serde(default, deserialize_with = "safe_opt")]
        m: Option<i64>,
    }

    fn parse(json: &str) -> Result<Body, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn the_edges_of_the_safe_range() {
        assert_eq!(parse(r#"{"n": 9007199254740991}"#).unwrap().n, MAX_SAFE);
        assert_eq!(parse(r#"{"n": -9007199254740991, "m": 9007199254740991}"#).unwrap().m, Some(MAX_SAFE));
        for bad in [
            r#"{"n": 9007199254740992}"#,
            r#"{"n": -9007199254740992}"#,
            r#"{"n": -9223372036854775808}"#,
            r#"{"n": 9223372036854775807}"#,
            r#"{"n": 1, "m": 9100000000000000}"#,
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("outside"), "{bad}: {e}");
        }
        assert!(parse(r#"{"n": 1, "m": null}"#).unwrap().m.is_none());
        assert!(parse(r#"{"n": 1}"#).unwrap().m.is_none());
    }

    proptest::proptest! {
        #[test]
        fn safe_is_exactly_the_range(n in proptest::prelude::any::<i64>()) {
            let parsed = parse(&format!(r#"{{"n": {n}}}"#));
            proptest::prop_assert_eq!(parsed.is_ok(), (-MAX_SAFE..=MAX_SAFE).contains(&n));
        }
    }
}
