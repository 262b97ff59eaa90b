//! Customer tokens: HS256 JSON Web Tokens minted by the storefront's backend.
//!
//! Why hand-rolled on `hmac` + `sha2` instead of a JWT crate: we accept exactly
//! one algorithm, and the popular JWT crates pull `ring` (which needs a C
//! toolchain for wasm32) or a wide algorithm zoo into a widget and Worker that
//! are budgeted in kilobytes. The security-relevant parts are delegated:
//! the MAC and its constant-time check (`Mac::verify_slice`) come from the
//! RustCrypto crates, and secret comparison from `subtle`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::ids::is_valid_id;
use crate::timestamp::Timestamp;

type HmacSha256 = Hmac<Sha256>;

/// How far the storefront's clock may be from ours, in seconds. A token is
/// still accepted this long after `exp`, and this long before `nbf`.
pub const MAX_CLOCK_SKEW_SECS: i64 = 60;

/// Longest token we bother to parse; real ones are a few hundred bytes.
const MAX_TOKEN_LEN: usize = 4096;

/// The claims Loyalty Edge reads from a customer token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The member's `customer_id`.
    pub sub: String,
    /// Expiry, unix seconds. Required.
    pub exp: i64,
    /// Issued-at, unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Not-before, unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The shopper's e-mail, if the storefront shares it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The shopper's display name, if the storefront shares it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Signs `claims` as an HS256 JWT with `secret`. Used by the demo's dev-only
/// token route and by tests; storefronts use any JWT library.
pub fn mint(claims: &Claims, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

/// Verifies an HS256 customer token at time `now`.
///
/// Guarantees: the header's `alg` is exactly `HS256` (so `none` and algorithm
/// confusion are refused); the signature is checked in constant time before
/// any claim is trusted; `exp` is present and not past (beyond
/// [`MAX_CLOCK_SKEW_SECS`]); `nbf`, when present, is not ahead; `sub` is a
/// valid `customer_id`.
pub fn verify(token: &str, secret: &[u8], now: Timestamp) -> Result<Claims, Error> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::Token("too long"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(Error::Token("not a JWT"));
    };
    let header: Header = decode_json(h).ok_or(Error::Token("malformed header"))?;
    if header.alg != "HS256" {
        return Err(Error::Token("algorithm must be HS256"));
    }
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| Error::Token("malformed signature"))?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(h.as_bytes());
    mac.update(b".");
    mac.update(p.as_bytes());
    mac.verify_slice(&sig).map_err(|_| Error::Token("bad signature"))?;

    let claims: Claims = decode_json(p).ok_or(Error::Token("malformed claims (sub and exp are required)"))?;
    if !is_valid_id(&claims.sub) {
        return Err(Error::Token("sub is not a valid customer_id"));
    }
    if now.0 > claims.exp.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return Err(Error::Token("expired"));
    }
    if let Some(nbf) = claims.nbf {
        if now.0.saturating_add(MAX_CLOCK_SKEW_SECS) < nbf {
            return Err(Error::Token("not valid yet"));
        }
    }
    Ok(claims)
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Compares two secrets without leaking, through timing, how much of them
/// matched or how long the expected one is: both sides are hashed to equal
/// length first, then compared with `subtle`.
pub fn secrets_equal(given: &[u8], expected: &[u8]) -> bool {
    let a = Sha256::digest(given);
    let b = Sha256::digest(expected);
    bool::from(a.ct_eq(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"dev-widget-secret";
    const NOW: Timestamp = Timestamp(1_800_000_000);

    fn claims(sub: &str, exp: i64) -> Claims {
        Claims { sub: sub.into(), exp, iat: None, nbf: None, email: None, name: None }
    }

    #[test]
    fn minted_tokens_verify() {
        let t = mint(&claims("alice", NOW.0 + 300), SECRET);
        assert_eq!(verify(&t, SECRET, NOW).unwrap().sub, "alice");
    }

    #[test]
    fn expiry_is_enforced_with_bounded_skew() {
        let t = mint(&claims("alice", NOW.0 - 10), SECRET);
        assert!(verify(&t, SECRET, NOW).is_ok(), "within skew");
        let t = mint(&claims("alice", NOW.0 - MAX_CLOCK_SKEW_SECS - 1), SECRET);
        assert_eq!(verify(&t, SECRET, NOW), Err(Error::Token("expired")));
    }

    #[test]
    fn exp_is_required() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let p = URL_SAFE_NO_PAD.encode(br#"{"sub":"alice"}"#);
        let mut mac = HmacSha256::new_from_slice(SECRET).unwrap();
        mac.update(format!("{h}.{p}").as_bytes());
        let s = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert!(verify(&format!("{h}.{p}.{s}"), SECRET, NOW).is_err());
    }

    #[test]
    fn forged_and_alg_none_are_refused() {
        let t = mint(&claims("alice", NOW.0 + 300), b"another-secret");
        assert_eq!(verify(&t, SECRET, NOW), Err(Error::Token("bad signature")));

        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims("alice", NOW.0 + 300)).unwrap());
        assert_eq!(verify(&format!("{h}.{p}."), SECRET, NOW), Err(Error::Token("algorithm must be HS256")));

        // A valid token whose payload was swapped for another member's.
        let good = mint(&claims("alice", NOW.0 + 300), SECRET);
        let other = mint(&claims("mallory", NOW.0 + 300), b"x");
        let (gh, gs) = (good.split('.').next().unwrap(), good.split('.').nth(2).unwrap());
        let op = other.split('.').nth(1).unwrap();
        assert!(verify(&format!("{gh}.{op}.{gs}"), SECRET, NOW).is_err());
    }

    #[test]
    fn garbage_is_refused() {
        for t in ["", "a.b", "a.b.c.d", "....", "eyJ.eyJ.x"] {
            assert!(verify(t, SECRET, NOW).is_err(), "{t:?}");
        }
    }

    #[test]
    fn secrets_compare() {
        assert!(secrets_equal(b"dev-api-key", b"dev-api-key"));
        assert!(!secrets_equal(b"dev-api-ke", b"dev-api-key"));
        assert!(!secrets_equal(b"", b"dev-api-key"));
    }
}
