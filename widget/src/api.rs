//! HTTP to the Loyalty Edge API. Errors keep the contract's code and
//! message so the widget can show the API's own words.

use gloo_net::http::{Request, Response};
use loyalty_core::wire::ErrorBody;
use serde::de::DeserializeOwned;

/// An API or network error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Contract code (`insufficient_points`, …), or `network`.
    pub code: String,
    /// Human message.
    pub message: String,
}

async fn read<T: DeserializeOwned>(resp: Response) -> Result<T, ApiError> {
    let ok = resp.ok();
    let status = resp.status();
    let text = resp.text().await.map_err(network)?;
    // The browser's own JSON parser, then serde over JS values: this keeps
    // serde_json's parser and its per-type code out of the wasm (measured:
    // serde_json was 13 % of the widget's code).
    let value = js_sys::JSON::parse(&text).ok();
    if ok {
        let value = value.ok_or_else(|| ApiError { code: "internal".into(), message: "invalid JSON".into() })?;
        return serde_wasm_bindgen::from_value(value)
            .map_err(|e| ApiError { code: "internal".into(), message: e.to_string() });
    }
    Err(match value.map(serde_wasm_bindgen::from_value::<ErrorBody>) {
        Some(Ok(b)) => ApiError { code: b.error.code, message: b.error.message },
        _ => ApiError { code: "internal".into(), message: format!("HTTP {status}") },
    })
}

fn network(e: gloo_net::Error) -> ApiError {
    ApiError { code: "network".into(), message: e.to_string() }
}

fn authorized(mut r: gloo_net::http::RequestBuilder, token: Option<&str>) -> gloo_net::http::RequestBuilder {
    if let Some(t) = token {
        r = r.header("Authorization", &format!("Bearer {t}"));
    }
    r
}

/// `GET base + path`.
pub async fn get<T: DeserializeOwned>(base: &str, path: &str, token: Option<&str>) -> Result<T, ApiError> {
    let resp = authorized(Request::get(&format!("{base}{path}")), token).send().await.map_err(network)?;
    read(resp).await
}

/// `POST base + path` with a JSON body and an `Idempotency-Key`.
pub async fn post<T: DeserializeOwned>(
    base: &str,
    path: &str,
    token: Option<&str>,
    body: String,
    idempotency_key: &str,
) -> Result<T, ApiError> {
    let req = authorized(Request::post(&format!("{base}{path}")), token)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", idempotency_key)
        .body(body)
        .map_err(network)?;
    let resp = req.send().await.map_err(network)?;
    read(resp).await
}

/// A fresh idempotency key: one per confirmation, so a double click or a
/// network retry of the same confirmation cannot redeem twice.
pub fn new_key() -> String {
    let mut buf = [0u8; 16];
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = c.get_random_values_with_u8_array(&mut buf);
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
