//! HTTP to the Worker that serves the console, with gloo-net. The console
//! is same-origin with the API, so the browser sends the session cookie
//! itself (the page never holds a credential); every request carries the
//! console header the Worker asks of cookie requests. Answers are decoded
//! into the `core::wire` types the Worker serialised, through
//! serde-wasm-bindgen from the browser's parsed JSON; request bodies are
//! the same types, serialised by serde-wasm-bindgen and the browser's
//! `JSON.stringify` ([`to_json`]), so one serde back end serves both ways
//! and no JSON writer is linked.

use gloo_net::http::{Method, RequestBuilder, Response};
use leptos::prelude::*;
use loyalty_core::session::CONSOLE_HEADER;
use loyalty_core::wire::{ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// An API refusal in the contract's terms, or the console's own:
/// `network` (no answer), `invalid_response` (not what the contract says).
pub type ApiError = ErrorDetail;

fn error(code: &str, message: impl Into<String>) -> ApiError {
    ErrorDetail { code: code.to_owned(), message: message.into() }
}

thread_local! {
    /// Set when an answer says the session is over (401): the app shows
    /// the sign-in again, saying why. A thread-local rather than context:
    /// requests finish in tasks that have left the component tree.
    static SESSION_LOST: std::cell::Cell<Option<RwSignal<Option<String>>>> = const { std::cell::Cell::new(None) };
}

/// Where a lost session is told ([`crate::App`] installs it once).
pub fn on_session_lost(signal: RwSignal<Option<String>>) {
    SESSION_LOST.with(|s| s.set(Some(signal)));
}

/// `GET path`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    decode(request(Method::GET, path, None, false).await?)
}

/// `method path` with `body` as JSON; an `Idempotency-Key` when asked
/// (one per click, so a retried request cannot write twice).
pub async fn send<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<&B>,
    idempotent: bool,
) -> Result<T, ApiError> {
    let text = body.map(|b| to_json(b, 0)).transpose()?;
    decode(request(method, path, text, idempotent).await?)
}

/// `value` as JSON text, indented by `indent` spaces a level (0: none):
/// serde-wasm-bindgen's JSON-compatible serializer (maps as objects,
/// `None` as `null`, integers past ±(2^53 − 1) refused) to a JS value,
/// then the browser's `JSON.stringify`.
pub fn to_json<B: Serialize + ?Sized>(value: &B, indent: u32) -> Result<String, ApiError> {
    let js = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| error("internal", format!("cannot write the JSON: {e}")))?;
    js_sys::JSON::stringify_with_replacer_and_space(&js, &JsValue::NULL, &JsValue::from(indent))
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| error("internal", "cannot write the JSON"))
}

/// A wire enum from its name as the contract writes it (`"gift_card"`),
/// as a `<select>`'s value carries it; `None` for a name it does not have.
pub fn from_name<T: DeserializeOwned>(name: &str) -> Option<T> {
    serde_wasm_bindgen::from_value(JsValue::from_str(name)).ok()
}

/// A wire enum's name as the contract writes it, for a `<select>`.
pub fn name_of<T: Serialize>(value: &T) -> String {
    serde_wasm_bindgen::to_value(value).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// The request and its answer's parsed JSON: one copy for every type the
/// console reads or sends (generic code is copied per type, and this is
/// the bulk of it), leaving only the encoding and decoding to each type.
async fn request(method: Method, path: &str, body: Option<String>, idempotent: bool) -> Result<JsValue, ApiError> {
    let mut builder = RequestBuilder::new(path).method(method).header(CONSOLE_HEADER, "1");
    if idempotent {
        builder = builder.header("Idempotency-Key", &new_key());
    }
    let request = match body {
        Some(text) => builder.header("Content-Type", "application/json").body(text),
        None => builder.build(),
    }
    .map_err(|_| error("internal", "cannot build the request"))?;
    let response = request.send().await.map_err(|_| error("network", "the Worker did not answer"))?;
    let answer = json(response).await;
    if let Err(e) = &answer {
        if e.code == "unauthorized" && !path.starts_with("/v1/session") {
            if let Some(lost) = SESSION_LOST.with(|s| s.get()) {
                lost.set(Some(e.message.clone()));
            }
        }
    }
    answer
}

/// A 2xx answer's JSON, parsed by the browser; any other, its error body.
async fn json(response: Response) -> Result<JsValue, ApiError> {
    let status = response.status();
    let raw = web_sys::Response::from(response);
    let body = match raw.json() {
        Ok(parsing) => JsFuture::from(parsing).await.ok(),
        Err(_) => None,
    };
    if (200..300).contains(&status) {
        body.ok_or_else(|| error("invalid_response", format!("HTTP {status} without a JSON body")))
    } else {
        match body.map(serde_wasm_bindgen::from_value::<ErrorBody>) {
            Some(Ok(body)) => Err(body.error),
            _ => Err(error("internal", format!("HTTP {status}"))),
        }
    }
}

/// An answer's JSON as the `core::wire` type the contract says it is.
fn decode<T: DeserializeOwned>(body: JsValue) -> Result<T, ApiError> {
    serde_wasm_bindgen::from_value(body).map_err(|e| error("invalid_response", e.to_string()))
}

/// A fresh idempotency key: 32 hex digits from the browser's CSPRNG.
pub fn new_key() -> String {
    let mut bytes = [0u8; 16];
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = c.get_random_values_with_u8_array(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A path segment, percent-encoded (ids may hold `:` and `@`).
pub fn seg(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}
