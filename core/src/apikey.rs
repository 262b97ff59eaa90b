//! Scoped API keys (shared/API.md, "API keys with scopes"): what a key
//! looks like, how it is stored (its SHA-256, never the key), which scopes
//! exist and what each grants. `LOYALTY_API_KEY` stays the root key, with
//! every scope; the edge says which scope each route needs.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Issue};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every GET of a server route.
    Read,
    /// What a checkout calls: purchases and other events, refunds, coupon
    /// validation and redemption, referral sign-ups.
    Checkout,
    /// Everything, keys included.
    Admin,
}

impl Scope {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Checkout => "checkout",
            Scope::Admin => "admin",
        }
    }
}

/// Whether a key holding `held` may call a route that needs `need`:
/// `admin` may call every route, the others their own.
pub fn grants(held: &[Scope], need: Scope) -> bool {
    held.iter().any(|s| *s == Scope::Admin || *s == need)
}

/// What a key starts with, so a credential is told from a token at once.
pub const KEY_PREFIX: &str = "lek_";

/// Random bytes in a key: 192 bits, beyond any guessing.
pub const KEY_BYTES: usize = 24;

/// A new key, `lek_` + 48 hex digits; `fill` fills a buffer from a CSPRNG.
pub fn new_key(fill: &mut dyn FnMut(&mut [u8])) -> String {
    let mut bytes = [0u8; KEY_BYTES];
    fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{KEY_PREFIX}{hex}")
}

/// What is stored of a key: its SHA-256, in hex. A key is 192 random
/// bits, so a fast hash is enough (a slow one protects guessable
/// passwords; nothing here is guessable).
pub fn hash(key: &str) -> String {
    Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a new key's name and scopes (at least one, none twice); every
/// problem at once.
pub fn check(name: &str, scopes: &[Scope]) -> Result<(), Error> {
    let mut issues = Vec::new();
    if name.trim().is_empty() || name.chars().count() > 100 {
        issues.push(Issue::new("name", "must be 1 to 100 characters"));
    }
    if scopes.is_empty() {
        issues.push(Issue::new("scopes", "must name at least one of read, checkout, admin"));
    }
    for (i, s) in scopes.iter().enumerate() {
        if scopes[..i].contains(s) {
            issues.push(Issue::new(format!("scopes[{i}]"), format!("{} is listed twice", s.as_str())));
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(issues))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn admin_grants_everything_and_the_others_their_own() {
        use Scope::*;
        assert!(grants(&[Admin], Read) && grants(&[Admin], Checkout) && grants(&[Admin], Admin));
        assert!(grants(&[Read], Read) && !grants(&[Read], Checkout) && !grants(&[Read], Admin));
        assert!(grants(&[Checkout, Read], Checkout) && !grants(&[Checkout, Read], Admin));
        assert!(!grants(&[], Read));
        assert!(check("till", &[Checkout]).is_ok());
        assert!(check("", &[]).is_err());
        assert!(check("x", &[Read, Read]).is_err());
    }

    proptest! {
        /// Keys are what they say, and two keys never share a hash.
        #[test]
        fn keys_have_their_shape_and_their_own_hash(a in any::<[u8; 24]>(), b in any::<[u8; 24]>()) {
            let key = |bytes: [u8; 24]| new_key(&mut |buf| buf.copy_from_slice(&bytes));
            let (ka, kb) = (key(a), key(b));
            prop_assert!(ka.starts_with(KEY_PREFIX) && ka.len() == KEY_PREFIX.len() + 2 * KEY_BYTES);
            prop_assert_eq!(hash(&ka).len(), 64);
            prop_assert_eq!(hash(&ka) == hash(&kb), a == b);
        }
    }
}
