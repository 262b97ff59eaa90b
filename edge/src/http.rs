//! Request context and replies: the translation between HTTP and handlers.
//!
//! Handlers return a [`Reply`] (status + JSON text) rather than a worker
//! `Response`, so idempotent replays can store and return it byte for byte.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use js_sys::futures::JsFuture;
use loyalty_core::wire::{ErrorBody, ErrorDetail};
use loyalty_core::{Lang, Timestamp};
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::Request;
use worker::{Env, Method};

use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, Result};

/// Largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// A JSON answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body: JSON text, or NDJSON for the ledger export.
    pub body: String,
    /// Its media type.
    pub content_type: &'static str,
    /// A `Set-Cookie` value: only the console's session routes send one.
    pub cookie: Option<String>,
}

/// The media type of every answer but the ledger export.
pub const JSON: &str = "application/json; charset=utf-8";
/// The ledger export's: one JSON value a line.
pub const NDJSON: &str = "application/x-ndjson; charset=utf-8";

impl Reply {
    /// Serialises `value` with `status`.
    pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Reply> {
        Ok(Reply::raw(status, serde_json::to_string(value)?))
    }

    /// A JSON answer already written.
    pub fn raw(status: u16, body: String) -> Reply {
        Reply { status, body, content_type: JSON, cookie: None }
    }

    /// The same answer, setting a cookie.
    pub fn with_cookie(self, cookie: String) -> Reply {
        Reply { cookie: Some(cookie), ..self }
    }

    /// The contract's error body for `e`.
    pub fn error(e: &Error) -> Reply {
        let (status, code) = e.status_and_code();
        let body = ErrorBody { error: ErrorDetail { code: code.into(), message: e.public_message() } };
        Reply::raw(status, serde_json::to_string(&body).unwrap_or_default())
    }
}

/// Everything a handler needs to know about the request.
pub struct Ctx {
    /// The request (for headers and body).
    pub req: Request,
    /// Bindings.
    pub env: Env,
    /// Method.
    pub method: Method,
    /// Host, with its port when the URL has one.
    pub host: String,
    /// Path, without query.
    pub path: String,
    /// Query string, without `?`.
    pub query: String,
    /// Request time.
    pub now: Timestamp,
    /// Settings (absent only for /v1/health on a misconfigured Worker).
    pub config: Option<Config>,
    /// Route template, for the log line.
    pub route: &'static str,
    /// Whether the route is called from browsers (gets CORS headers).
    pub browser: bool,
    /// Member the request concerned, for the log line.
    pub member: Option<String>,
    /// Webhook deliveries this request's writes took for the Queue, sent
    /// once the answer is (`webhooks::send`).
    pub to_queue: Rc<RefCell<Vec<crate::webhooks::Try>>>,
}

/// Splits a request URL into host, path and query without the `url` crate
/// (whose IDNA tables would add ~80 KB gzip to the Worker for no use here:
/// the runtime hands us URLs it has already parsed and normalised).
pub fn split_url(url: &str) -> (String, String, String) {
    let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
    let (authority, path_and_query) = match after_scheme.find('/') {
        Some(i) => (&after_scheme[..i], &after_scheme[i..]),
        None => (after_scheme, "/"),
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_userinfo, host)| host).to_owned();
    let without_fragment = path_and_query.split('#').next().unwrap_or("/");
    match without_fragment.split_once('?') {
        Some((p, q)) => (host, p.to_owned(), q.to_owned()),
        None => (host, without_fragment.to_owned(), String::new()),
    }
}

impl Ctx {
    /// Wraps a request.
    pub fn new(req: Request, env: Env, now: Timestamp) -> Ctx {
        let (host, path, query) = split_url(&req.url());
        Ctx {
            host,
            method: Method::from(req.method()),
            req,
            env,
            path,
            query,
            now,
            config: None,
            route: "unmatched",
            browser: false,
            member: None,
            to_queue: Rc::default(),
        }
    }

    /// The settings; loaded before any route but /v1/health runs.
    pub fn config(&self) -> Result<&Config> {
        self.config.as_ref().ok_or_else(|| Error::Internal("config not loaded".into()))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.req.headers().get(name).ok().flatten()
    }

    /// The language the caller reads (`Accept-Language`): the widget asks
    /// in its own; a server caller gets English unless it asks too.
    pub fn lang(&self) -> Lang {
        Lang::negotiate(self.header("accept-language").as_deref())
    }

    /// A query parameter, percent-decoded (`+` is a space), as
    /// `URLSearchParams` and HTML forms encode it.
    pub fn query_param(&self, name: &str) -> Option<Cow<'_, str>> {
        form_urlencoded::parse(self.query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The D1 database.
    pub fn db(&self) -> Result<Db> {
        Ok(Db(self.env.d1("DB")?))
    }

    /// The KV namespace.
    pub fn kv(&self) -> Result<worker::kv::KvStore> {
        Ok(self.env.kv("KV")?)
    }

    /// The body, refused past [`MAX_BODY`] (by its declared length first,
    /// so an oversized upload is not read at all).
    pub async fn body(&mut self) -> Result<Vec<u8>> {
        if let Some(len) = self.header("content-length").and_then(|l| l.trim().parse::<usize>().ok()) {
            if len > MAX_BODY {
                return Err(Error::PayloadTooLarge);
            }
        }
        let unreadable = |e: wasm_bindgen::JsValue| Error::BadRequest(format!("unreadable body: {e:?}"));
        let buffer = JsFuture::from(self.req.array_buffer().map_err(unreadable)?).await.map_err(unreadable)?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        if bytes.len() > MAX_BODY {
            return Err(Error::PayloadTooLarge);
        }
        Ok(bytes)
    }

    /// The body parsed as `T`, and the raw bytes (for idempotency hashing).
    pub async fn json<T: DeserializeOwned>(&mut self) -> Result<(T, Vec<u8>)> {
        let bytes = self.body().await?;
        Ok((parse_json(&bytes)?, bytes))
    }
}

/// Parses a JSON body strictly; the message names the offending field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::invalid("", "expected a JSON body"));
    }
    serde_json::from_slice(bytes).map_err(|e| Error::invalid("", format!("invalid JSON body: {e}")))
}

/// A query parameter as a bounded integer.
pub fn int_param(v: Option<&str>, name: &str, default: i64, min: i64, max: i64) -> Result<i64> {
    match v {
        None => Ok(default),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(Error::invalid(name, format!("must be an integer from {min} to {max}"))),
        },
    }
}

/// Today's time from the JS clock. The only clock read of the Worker:
/// everything below takes `now` as an argument.
pub fn now() -> Timestamp {
    Timestamp((js_sys::Date::now() / 1000.0) as i64)
}

/// Fills `buf` from the platform CSPRNG (Web Crypto through getrandom).
pub fn fill_random(buf: &mut [u8]) {
    getrandom::getrandom(buf).expect("the Workers runtime provides crypto.getRandomValues");
}

/// A random identifier `prefix_` + 20 characters of the coupon alphabet.
pub fn random_id(prefix: &str) -> String {
    // 20 characters of 31: about 99 bits, unguessable and collision-free.
    format!("{prefix}_{}", loyalty_core::coupon::random_chars(20, &mut fill_random))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_without_the_url_crate() {
        let s = |h: &str, p: &str, q: &str| (h.to_owned(), p.to_owned(), q.to_owned());
        assert_eq!(split_url("http://127.0.0.1:8787/v1/me?limit=5"), s("127.0.0.1:8787", "/v1/me", "limit=5"));
        assert_eq!(split_url("https://x.example"), s("x.example", "/", ""));
        assert_eq!(split_url("https://x.example/a/b#frag"), s("x.example", "/a/b", ""));
        assert_eq!(split_url("https://u:p@127.0.0.1.evil/x"), s("127.0.0.1.evil", "/x", ""));
    }

    #[test]
    fn bounded_int_params() {
        assert_eq!(int_param(None, "limit", 20, 1, 100).unwrap(), 20);
        assert_eq!(int_param(Some("100"), "limit", 20, 1, 100).unwrap(), 100);
        assert!(int_param(Some("101"), "limit", 20, 1, 100).is_err());
        assert!(int_param(Some("abc"), "limit", 20, 1, 100).is_err());
    }

    #[test]
    fn json_bodies_are_strict() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        struct B {
            #[allow(dead_code)]
            points: i64,
        }
        assert!(parse_json::<B>(b"").is_err());
        assert!(parse_json::<B>(b"{\"points\": 1.5}").is_err());
        assert!(parse_json::<B>(b"{\"points\": 1, \"x\": 2}").is_err());
        assert!(parse_json::<B>(b"{\"points\": 1}").is_ok());
    }
}
