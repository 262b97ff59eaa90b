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

/// The longest lifetime a token may have unless configured otherwise: a
/// day. A storefront mints one per page view or session; a token that
/// lives for years is a password that cannot be changed.
pub const DEFAULT_MAX_LIFETIME_SECS: i64 = 86_400;

/// What a deployment asks of a customer token beyond its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPolicy {
    /// The longest lifetime accepted: `exp − iat`, or `exp − now` for a
    /// token without `iat`.
    pub max_lifetime_secs: i64,
    /// When set, `aud` must name it (`aud` is a string or an array).
    pub audience: Option<String>,
    /// When set, `iss` must be it.
    pub issuer: Option<String>,
}

impl Default for TokenPolicy {
    fn default() -> TokenPolicy {
        TokenPolicy { max_lifetime_secs: DEFAULT_MAX_LIFETIME_SECS, audience: None, issuer: None }
    }
}

/// A token's `aud`: one audience or several, as RFC 7519 allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// One audience.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `wanted` is this audience or one of them.
    pub fn names(&self, wanted: &str) -> bool {
        match self {
            Audience::One(a) => a == wanted,
            Audience::Many(all) => all.iter().any(|a| a == wanted),
        }
    }
}

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
    /// Who the token is for; checked when the deployment names an audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// Who minted it; checked when the deployment names an issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
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

/// Verifies an HS256 customer token at time `now` under `policy`.
///
/// Guarantees: the header is a JSON object whose `alg` is exactly `HS256`
/// (so `none` and algorithm confusion are refused); the signature is
/// checked in constant time before any claim is trusted; `exp` is present
/// and not past (beyond [`MAX_CLOCK_SKEW_SECS`]); `iat` and `nbf`, when
/// present, are not ahead; the token lives no longer than the policy
/// allows; `aud` and `iss` match when the policy names them; `sub` is a
/// valid `customer_id`.
pub fn verify(token: &str, secret: &[u8], now: Timestamp, policy: &TokenPolicy) -> Result<Claims, Error> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::Token("too long"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(Error::Token("not a JWT"));
    };
    // An object, read as a map: a struct would also accept a JSON array.
    let header: serde_json::Map<String, serde_json::Value> =
        decode_json(h).ok_or(Error::Token("malformed header: a JSON object is required"))?;
    if header.get("alg").and_then(serde_json::Value::as_str) != Some("HS256") {
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
    if claims.iat.is_some_and(|iat| iat > now.0.saturating_add(MAX_CLOCK_SKEW_SECS)) {
        return Err(Error::Token("issued in the future"));
    }
    if claims.exp.saturating_sub(claims.iat.unwrap_or(now.0)) > policy.max_lifetime_secs {
        return Err(Error::Token("lives longer than allowed (exp - iat)"));
    }
    if let Some(wanted) = &policy.audience {
        if !claims.aud.as_ref().is_some_and(|a| a.names(wanted)) {
            return Err(Error::Token("wrong audience"));
        }
    }
    if let Some(wanted) = &policy.issuer {
        if claims.iss.as_deref() != Some(wanted) {
            return Err(Error::Token("wrong issuer"));
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
        Claims { sub: sub.into(), exp, iat: None, nbf: None, email: None, name: None, aud: None, iss: None }
    }

    const P: TokenPolicy = TokenPolicy { max_lifetime_secs: DEFAULT_MAX_LIFETIME_SECS, audience: None, issuer: None };

    /// A token signed with SECRET whose header and payload are these JSON texts.
    fn signed(header: &str, payload: &str) -> String {
        let (h, p) = (URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
        let mut mac = HmacSha256::new_from_slice(SECRET).unwrap();
        mac.update(format!("{h}.{p}").as_bytes());
        format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn the_header_must_be_an_object_naming_hs256() {
        let payload = format!(r#"{{"sub":"alice","exp":{}}}"#, NOW.0 + 300);
        assert!(verify(&signed(r#"{"alg":"HS256"}"#, &payload), SECRET, NOW, &P).is_ok());
        for header in [r#"["HS256"]"#, r#"["HS256","JWT"]"#, r#""HS256""#, r#"{"typ":"JWT"}"#, r#"{"alg":["HS256"]}"#] {
            assert!(verify(&signed(header, &payload), SECRET, NOW, &P).is_err(), "{header}");
        }
    }

    #[test]
    fn lifetime_is_bounded_and_iat_is_not_ahead() {
        let with = |iat: Option<i64>, exp: i64| Claims { iat, ..claims("alice", exp) };
        let day = DEFAULT_MAX_LIFETIME_SECS;
        assert!(verify(&mint(&with(Some(NOW.0), NOW.0 + day), SECRET), SECRET, NOW, &P).is_ok());
        let long = verify(&mint(&with(Some(NOW.0), NOW.0 + day + 1), SECRET), SECRET, NOW, &P);
        assert_eq!(long, Err(Error::Token("lives longer than allowed (exp - iat)")));
        // Without iat the lifetime left counts: exp may not be i64::MAX.
        assert!(verify(&mint(&with(None, i64::MAX), SECRET), SECRET, NOW, &P).is_err());
        assert!(verify(&mint(&with(None, NOW.0 + day), SECRET), SECRET, NOW, &P).is_ok());
        let ahead = verify(&mint(&with(Some(NOW.0 + MAX_CLOCK_SKEW_SECS + 1), NOW.0 + 600), SECRET), SECRET, NOW, &P);
        assert_eq!(ahead, Err(Error::Token("issued in the future")));
        assert!(verify(&mint(&with(Some(NOW.0 + 30), NOW.0 + 600), SECRET), SECRET, NOW, &P).is_ok(), "within skew");
        let week = TokenPolicy { max_lifetime_secs: 7 * day, ..P };
        assert!(verify(&mint(&with(Some(NOW.0), NOW.0 + 7 * day), SECRET), SECRET, NOW, &week).is_ok());
    }

    #[test]
    fn audience_and_issuer_are_checked_when_configured() {
        let strict = TokenPolicy { audience: Some("shop".into()), issuer: Some("https://shop.example".into()), ..P };
        let c = |aud: Option<Audience>, iss: Option<&str>| Claims {
            aud,
            iss: iss.map(Into::into),
            ..claims("alice", NOW.0 + 300)
        };
        let ok = c(Some(Audience::Many(vec!["other".into(), "shop".into()])), Some("https://shop.example"));
        assert!(verify(&mint(&ok, SECRET), SECRET, NOW, &strict).is_ok());
        assert!(verify(
            &mint(&c(Some(Audience::One("shop".into())), Some("https://shop.example")), SECRET),
            SECRET,
            NOW,
            &strict
        )
        .is_ok());
        assert_eq!(
            verify(
                &mint(&c(Some(Audience::One("other".into())), Some("https://shop.example")), SECRET),
                SECRET,
                NOW,
                &strict
            ),
            Err(Error::Token("wrong audience"))
        );
        assert_eq!(
            verify(&mint(&c(None, Some("https://shop.example")), SECRET), SECRET, NOW, &strict),
            Err(Error::Token("wrong audience"))
        );
        assert_eq!(
            verify(&mint(&c(Some(Audience::One("shop".into())), Some("evil")), SECRET), SECRET, NOW, &strict),
            Err(Error::Token("wrong issuer"))
        );
        // Not configured: not checked.
        assert!(verify(&mint(&c(None, None), SECRET), SECRET, NOW, &P).is_ok());
    }

    #[test]
    fn minted_tokens_verify() {
        let t = mint(&claims("alice", NOW.0 + 300), SECRET);
        assert_eq!(verify(&t, SECRET, NOW, &P).unwrap().sub, "alice");
    }

    #[test]
    fn expiry_is_enforced_with_bounded_skew() {
        let t = mint(&claims("alice", NOW.0 - 10), SECRET);
        assert!(verify(&t, SECRET, NOW, &P).is_ok(), "within skew");
        let t = mint(&claims("alice", NOW.0 - MAX_CLOCK_SKEW_SECS - 1), SECRET);
        assert_eq!(verify(&t, SECRET, NOW, &P), Err(Error::Token("expired")));
    }

    #[test]
    fn exp_is_required() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let p = URL_SAFE_NO_PAD.encode(br#"{"sub":"alice"}"#);
        let mut mac = HmacSha256::new_from_slice(SECRET).unwrap();
        mac.update(format!("{h}.{p}").as_bytes());
        let s = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert!(verify(&format!("{h}.{p}.{s}"), SECRET, NOW, &P).is_err());
    }

    #[test]
    fn forged_and_alg_none_are_refused() {
        let t = mint(&claims("alice", NOW.0 + 300), b"another-secret");
        assert_eq!(verify(&t, SECRET, NOW, &P), Err(Error::Token("bad signature")));

        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims("alice", NOW.0 + 300)).unwrap());
        assert_eq!(verify(&format!("{h}.{p}."), SECRET, NOW, &P), Err(Error::Token("algorithm must be HS256")));

        // A valid token whose payload was swapped for another member's.
        let good = mint(&claims("alice", NOW.0 + 300), SECRET);
        let other = mint(&claims("mallory", NOW.0 + 300), b"x");
        let (gh, gs) = (good.split('.').next().unwrap(), good.split('.').nth(2).unwrap());
        let op = other.split('.').nth(1).unwrap();
        assert!(verify(&format!("{gh}.{op}.{gs}"), SECRET, NOW, &P).is_err());
    }

    #[test]
    fn garbage_is_refused() {
        for t in ["", "a.b", "a.b.c.d", "....", "eyJ.eyJ.x"] {
            assert!(verify(t, SECRET, NOW, &P).is_err(), "{t:?}");
        }
    }

    #[test]
    fn secrets_compare() {
        assert!(secrets_equal(b"dev-api-key", b"dev-api-key"));
        assert!(!secrets_equal(b"dev-api-ke", b"dev-api-key"));
        assert!(!secrets_equal(b"", b"dev-api-key"));
    }
}
