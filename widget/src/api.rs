//! HTTP to the Loyalty Edge API. Errors keep the contract's code and
//! message so the widget can show the API's own words.
//!
//! The requests themselves are sent and read by [`crate::browser::send`]
//! (gloo-net, before web-sys, was dropped for the same reason: 1.5 KB
//! gzip, measured 2026-11-22, 82.9 → 81.4 KB).

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::browser;
use crate::json::Json;

/// An API or network error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Contract code (`insufficient_points`, …), or `network`.
    pub code: String,
    /// Human message.
    pub message: String,
}

impl ApiError {
    fn new(code: &str, message: String) -> ApiError {
        ApiError { code: code.into(), message }
    }
}

/// A request on its way: the browser sent it when it was made, whether
/// or not anyone awaits it yet, so two made one after the other are in
/// flight together. It resolves to `[status, parsed body or null]`.
pub struct Pending(js_sys::Promise);

impl Pending {
    /// The answer's JSON body, or the error in the contract's terms.
    pub async fn answer(self) -> Result<Json, ApiError> {
        // The browser's own message ("Failed to fetch") says nothing more
        // to a shopper than the code does; the widget words `network`.
        let Ok(answer) = JsFuture::from(self.0).await else {
            return Err(ApiError::new("network", "network error".into()));
        };
        let answer = js_sys::Array::from(&answer);
        let status = answer.get(0).as_f64().unwrap_or(0.0) as i64;
        let body = Json(answer.get(1));
        let error = body.get("error");
        if (200..300).contains(&status) && !body.is_null() {
            Ok(body)
        } else if !error.is_null() {
            Err(ApiError::new(&error.str("code"), error.str("message")))
        } else {
            // As an i64, like every figure the widget writes: one integer
            // formatter linked rather than two.
            Err(ApiError::new("internal", ["HTTP ", &status.to_string()].concat()))
        }
    }
}

/// `GET base + path`, asking for words in `lang`; or, given `early`, the
/// same request the loader sent before the module was ready (a
/// `Promise<Response>`, see `loader.js`).
pub fn get(base: &str, path: &str, token: Option<&str>, lang: &str, early: Option<js_sys::Promise>) -> Pending {
    Pending(browser::send(&[base, path].concat(), "GET", lang, token, None, None, early))
}

/// `POST base + path` with a JSON body and an `Idempotency-Key`.
pub fn post(base: &str, path: &str, token: Option<&str>, body: &JsValue, idempotency_key: &str, lang: &str) -> Pending {
    let body = js_sys::JSON::stringify(body).map(String::from).ok();
    Pending(browser::send(&[base, path].concat(), "POST", lang, token, Some(idempotency_key), body, None))
}

/// A fresh idempotency key: one per confirmation, so a double click or a
/// network retry of the same confirmation cannot redeem twice.
pub fn new_key() -> String {
    browser::random_key()
}
