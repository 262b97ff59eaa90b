//! The console's sessions: an admin-scope API key, given once at sign-in,
//! is exchanged for a session whose token lives only in an HttpOnly cookie
//! (the page's script never holds a credential). The edge stores the
//! token's SHA-256 with its expiry and the key it came from, so ending the
//! session, or revoking that key, refuses its cookie at the next request.

use crate::apikey;
use crate::Timestamp;

/// The cookie's name.
pub const COOKIE: &str = "le_session";

/// Random bytes in a session token: 256 bits.
pub const TOKEN_BYTES: usize = 32;

/// How long a session lasts from sign-in: a working day. It does not
/// slide: a stolen cookie is worth at most this long.
pub const TTL_SECS: i64 = 8 * 60 * 60;

/// The header every request carried by the cookie must have. A page on
/// another site cannot set it without a CORS preflight, which server
/// routes never allow; `SameSite=Strict` already keeps the cookie off
/// cross-site requests, and this keeps it so if a browser gets that wrong.
pub const CONSOLE_HEADER: &str = "x-loyalty-console";

/// A new session token (64 hex digits); `fill` fills a buffer from a CSPRNG.
pub fn new_token(fill: &mut dyn FnMut(&mut [u8])) -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What is stored of a token: its SHA-256 in hex, as for API keys.
pub fn hash(token: &str) -> String {
    apikey::hash(token)
}

/// When a session begun at `now` ends.
pub fn expires_at(now: Timestamp) -> Timestamp {
    Timestamp(now.0 + TTL_SECS)
}

/// Whether `host` (with or without its port) is this machine, where the
/// console is served over plain http and a `Secure` cookie would never be
/// sent back by some browsers.
pub fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _port)| h),
    };
    name == "localhost" || name == "::1" || name.split('.').next() == Some("127") && name.split('.').count() == 4
}

/// The `Set-Cookie` value that starts a session: HttpOnly (no script
/// reads it), SameSite=Strict (no other site's page sends it), Secure
/// everywhere but this machine, and an expiry equal to the session's.
pub fn set_cookie(token: &str, host: &str) -> String {
    let secure = if is_loopback(host) { "" } else { "; Secure" };
    format!("{COOKIE}={token}; Path=/; Max-Age={TTL_SECS}; HttpOnly; SameSite=Strict{secure}")
}

/// The `Set-Cookie` value that removes the cookie from the browser.
pub fn clear_cookie(host: &str) -> String {
    let secure = if is_loopback(host) { "" } else { "; Secure" };
    format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}")
}

/// The session token in a `Cookie` header, if it has a well-formed one.
pub fn from_cookie_header(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| v.len() == 2 * TOKEN_BYTES && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cookies_are_http_only_strict_and_secure_off_this_machine() {
        let t = new_token(&mut |b| b.fill(7));
        let local = set_cookie(&t, "127.0.0.1:8787");
        assert!(local.contains("HttpOnly") && local.contains("SameSite=Strict") && !local.contains("Secure"));
        assert!(local.contains(&format!("Max-Age={TTL_SECS}")));
        for host in ["loyalty.example.com", "127.0.0.1.example.com", "localhost.evil.test", "10.0.0.1:443"] {
            assert!(set_cookie(&t, host).ends_with("; Secure"), "{host}");
        }
        for host in ["localhost", "localhost:8787", "[::1]:8787", "127.0.0.5"] {
            assert!(!set_cookie(&t, host).contains("Secure"), "{host}");
        }
        assert!(clear_cookie("shop.example").contains("Max-Age=0"));
    }

    #[test]
    fn the_token_is_found_among_other_cookies_and_nothing_else_passes() {
        let t = new_token(&mut |b| b.fill(0xab));
        assert_eq!(from_cookie_header(&format!("a=1; {COOKIE}={t}; b=2")), Some(t.as_str()));
        assert_eq!(from_cookie_header(&format!("{COOKIE}={t}")), Some(t.as_str()));
        assert_eq!(from_cookie_header("le_session=abc"), None);
        assert_eq!(from_cookie_header(&format!("x{COOKIE}={t}")), None);
        assert_eq!(from_cookie_header(&format!("{COOKIE}={}", "z".repeat(64))), None);
        assert_eq!(from_cookie_header(""), None);
    }

    proptest! {
        /// Tokens have their shape, and two tokens never share a hash.
        #[test]
        fn tokens_have_their_shape_and_their_own_hash(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
            let token = |bytes: [u8; 32]| new_token(&mut |buf| buf.copy_from_slice(&bytes));
            let (ta, tb) = (token(a), token(b));
            prop_assert_eq!(ta.len(), 64);
            let header = format!("{COOKIE}={ta}");
            prop_assert_eq!(from_cookie_header(&header), Some(ta.as_str()));
            prop_assert_eq!(hash(&ta) == hash(&tb), a == b);
        }

        /// Whatever a Cookie header holds, reading it never panics, and
        /// what it finds is a well-formed token.
        #[test]
        fn any_cookie_header_reads_safely(h in ".{0,200}") {
            if let Some(t) = from_cookie_header(&h) {
                prop_assert!(t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
            }
        }
    }
}
