//! Customer tokens: whatever the bytes, `token::verify` answers without a
//! panic, and a token it accepts keeps every promise of its contract. The
//! input is tried as a token as given and, split at its first newline into
//! a header and claims, signed with the secret, so that the fuzzer reaches
//! what lies behind the signature check.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use loyalty_core::ids::is_valid_id;
use loyalty_core::token::{verify, TokenPolicy, MAX_CLOCK_SKEW_SECS};
use loyalty_core::Timestamp;
use sha2::Sha256;

const SECRET: &[u8] = b"fuzzing-secret-of-at-least-32-bytes!";
const NOW: Timestamp = Timestamp(1_790_000_000);

fn check(token: &str, policy: &TokenPolicy) {
    if let Ok(c) = verify(token, SECRET, NOW, policy) {
        assert!(is_valid_id(&c.sub), "accepted sub {:?}", c.sub);
        assert!(NOW.0 <= c.exp.saturating_add(MAX_CLOCK_SKEW_SECS), "accepted an expired token");
        assert!(
            c.exp.saturating_sub(c.iat.unwrap_or(NOW.0)) <= policy.max_lifetime_secs,
            "accepted a token living too long"
        );
        assert!(c.iat.is_none_or(|iat| iat <= NOW.0 + MAX_CLOCK_SKEW_SECS), "accepted an issue date ahead");
        if let Some(aud) = &policy.audience {
            assert!(c.aud.as_ref().is_some_and(|a| a.names(aud)), "accepted another audience");
        }
    }
}

fn signed(header: &[u8], claims: &[u8]) -> String {
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims));
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).expect("any key length");
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

fuzz_target!(|data: &[u8]| {
    let policies = [
        TokenPolicy::default(),
        TokenPolicy {
            max_lifetime_secs: 60,
            audience: Some("shop".into()),
            issuer: Some("https://shop.example".into()),
        },
    ];
    for policy in &policies {
        if let Ok(text) = std::str::from_utf8(data) {
            check(text, policy);
        }
        let (header, claims) = match data.iter().position(|&b| b == b'\n') {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (&br#"{"alg":"HS256","typ":"JWT"}"#[..], data),
        };
        check(&signed(header, claims), policy);
    }
});
