//! Finding members: what `GET /v1/members?q=` asks for.
//!
//! The contract's `q` is one of three things, told apart here and nowhere
//! else: `tag:NAME` (members with that tag), something with an `@` (an
//! exact e-mail, compared without case, and also a customer id prefix,
//! since ids may hold `@`), or else a customer id prefix. No `q` lists
//! every member. Lists are ordered by customer id; a page's cursor is the
//! last customer id it holds.

use crate::error::Error;
use crate::ids::{check_id, is_valid_id};

/// Longest tag a member may carry (`PATCH /v1/members/{id}`).
pub const MAX_TAG_LEN: usize = 64;

/// Longest e-mail address.
pub const MAX_EMAIL_LEN: usize = 254;

/// A member search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberSearch {
    /// Every member.
    All,
    /// Customer ids starting with this.
    Prefix(String),
    /// This e-mail (lower-cased), or customer ids starting with the query
    /// as typed.
    EmailOrPrefix {
        /// The e-mail, lower-cased.
        email: String,
        /// The query, as a prefix of customer ids; `None` when it could not
        /// begin one (it holds a character ids never do).
        prefix: Option<String>,
    },
    /// Members carrying this tag.
    Tag(String),
}

/// Reads `q` (absent or empty: every member).
pub fn parse(q: Option<&str>) -> Result<MemberSearch, Error> {
    let q = q.map(str::trim).unwrap_or("");
    if q.is_empty() {
        return Ok(MemberSearch::All);
    }
    if let Some(tag) = q.strip_prefix("tag:") {
        if tag.is_empty() || tag.len() > MAX_TAG_LEN {
            return Err(Error::invalid("q", format!("a tag must be 1 to {MAX_TAG_LEN} characters after `tag:`")));
        }
        return Ok(MemberSearch::Tag(tag.to_owned()));
    }
    if q.contains('@') {
        if q.len() > MAX_EMAIL_LEN || q.chars().any(char::is_whitespace) {
            return Err(Error::invalid("q", "must be a customer id prefix, an e-mail address or tag:NAME"));
        }
        let prefix = is_valid_id(q).then(|| q.to_owned());
        return Ok(MemberSearch::EmailOrPrefix { email: q.to_lowercase(), prefix });
    }
    check_id("q", q).map_err(|_| {
        Error::invalid("q", "must be a customer id prefix (A-Z a-z 0-9 _ - . : @), an e-mail address or tag:NAME")
    })?;
    Ok(MemberSearch::Prefix(q.to_owned()))
}

/// Reads `cursor`: the last customer id of the page before.
pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<String>, Error> {
    match cursor {
        None => Ok(None),
        Some(c) => {
            check_id("cursor", c).map_err(|_| Error::invalid("cursor", "must be the next_cursor of a page"))?;
            Ok(Some(c.to_owned()))
        }
    }
}

/// The first string after every id that starts with `prefix`, in SQLite's
/// byte order (BINARY collation): the exclusive upper end of a prefix's
/// range, so the search is a range of the primary key. Ids are ASCII, and
/// every ASCII string sorts below one with `char::MAX` in its place.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}{}", char::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tells_the_three_kinds_apart() {
        assert_eq!(parse(None).unwrap(), MemberSearch::All);
        assert_eq!(parse(Some("  ")).unwrap(), MemberSearch::All);
        assert_eq!(parse(Some("cust_4")).unwrap(), MemberSearch::Prefix("cust_4".into()));
        assert_eq!(parse(Some("tag:vip")).unwrap(), MemberSearch::Tag("vip".into()));
        assert_eq!(
            parse(Some("Ann@Example.com")).unwrap(),
            MemberSearch::EmailOrPrefix { email: "ann@example.com".into(), prefix: Some("Ann@Example.com".into()) }
        );
        assert_eq!(
            parse(Some("ann+shop@example.com")).unwrap(),
            MemberSearch::EmailOrPrefix { email: "ann+shop@example.com".into(), prefix: None }
        );
    }

    #[test]
    fn refuses_what_can_match_nothing() {
        for bad in ["tag:", "a b", "a/b", "é", &"x".repeat(129)] {
            assert!(parse(Some(bad)).is_err(), "{bad:?}");
        }
        assert!(parse(Some(&format!("tag:{}", "t".repeat(65)))).is_err());
        assert!(parse_cursor(Some("a b")).is_err());
        assert_eq!(parse_cursor(Some("cust_9")).unwrap(), Some("cust_9".into()));
    }

    proptest! {
        /// The range [prefix, prefix_end) holds exactly the ASCII strings
        /// (every id is one) that start with the prefix, in byte order.
        #[test]
        fn the_prefix_range_is_exactly_the_prefixed(prefix in "[a-z0-9_@.:-]{0,6}", s in "[ -~]{0,10}") {
            let end = prefix_end(&prefix);
            let inside = s.as_bytes() >= prefix.as_bytes() && s.as_bytes() < end.as_bytes();
            prop_assert_eq!(inside, s.starts_with(&prefix));
        }

        /// Every valid id is found by itself and by each of its prefixes.
        #[test]
        fn an_id_is_found_by_its_prefixes(id in "[A-Za-z0-9_.:-]{1,20}", cut in 1usize..20) {
            let cut = cut.min(id.len());
            match parse(Some(&id[..cut])).unwrap() {
                MemberSearch::Prefix(p) => prop_assert!(id.starts_with(&p)),
                other => prop_assert!(false, "{other:?}"),
            }
        }
    }
}
