//! HTTP to the Loyalty Edge API with gloo-net. Every answer is decoded
//! into the `core::wire` type the Worker serialised, through
//! serde-wasm-bindgen from the browser's own `JSON.parse` (so no JSON
//! parser is linked into the wasm). An answer that does not decode is an
//! error the shopper sees with a retry, never a zero.

use gloo_net::http::{Request, RequestBuilder, Response};
use loyalty_core::wire::{ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// An API refusal in the contract's terms (`insufficient_points`, …), or
/// one of the widget's own: `network` (no answer), `invalid_response` (an
/// answer that is not what the contract says).
pub type ApiError = ErrorDetail;

fn error(code: &str, message: impl Into<String>) -> ApiError {
    ErrorDetail { code: code.to_owned(), message: message.into() }
}

/// Where requests go and how they are worded.
#[derive(Clone, Debug)]
pub struct Api {
    /// The API's origin, without a trailing slash.
    pub base: String,
    /// `Accept-Language`, so the API words rules and reasons for the shopper.
    pub lang: &'static str,
}

impl Api {
    fn with_headers(&self, b: RequestBuilder, token: Option<&str>) -> RequestBuilder {
        let b = b.header("Accept-Language", self.lang);
        match token {
            Some(t) => b.header("Authorization", &format!("Bearer {t}")),
            None => b,
        }
    }

    /// `GET path`, or, given `early`, the answer to the same request the
    /// loader sent while the module downloaded (see `loader.js`).
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        early: Option<js_sys::Promise>,
    ) -> Result<T, ApiError> {
        decode(self.get_json(path, token, early).await?)
    }

    /// [`Api::get`] up to the parsed JSON: one copy of the request and its
    /// error handling for every type the widget reads, which leaves only
    /// the decoding to each type.
    async fn get_json(
        &self,
        path: &str,
        token: Option<&str>,
        early: Option<js_sys::Promise>,
    ) -> Result<JsValue, ApiError> {
        let response = match early {
            Some(early) => {
                JsFuture::from(early).await.map(|r| Response::from(web_sys::Response::from(r))).map_err(|_| network())
            }
            None => self
                .with_headers(Request::get(&format!("{}{path}", self.base)), token)
                .send()
                .await
                .map_err(|_| network()),
        }?;
        json(response).await
    }

    /// `POST path` with `body` as JSON and an `Idempotency-Key`.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
        idempotency_key: &str,
    ) -> Result<T, ApiError> {
        // JSON-compatible: maps as plain objects (a `Map` would stringify
        // as `{}`), `None` as `null`.
        let json = body
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .ok()
            .and_then(|v| js_sys::JSON::stringify(&v).ok())
            .ok_or_else(|| error("internal", "cannot encode the request"))?;
        decode(self.post_json(path, token, json, idempotency_key).await?)
    }

    /// [`Api::post`] from the encoded body to the parsed JSON answer.
    async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: js_sys::JsString,
        idempotency_key: &str,
    ) -> Result<JsValue, ApiError> {
        let request = self
            .with_headers(Request::post(&format!("{}{path}", self.base)), token)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", idempotency_key)
            .body(JsValue::from(body))
            .map_err(|_| error("internal", "cannot build the request"))?;
        json(request.send().await.map_err(|_| network())?).await
    }
}

/// The browser's own message ("Failed to fetch") says nothing more to a
/// shopper than the code does; the widget words `network`.
fn network() -> ApiError {
    error("network", "network error")
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

/// A fresh idempotency key (32 hex digits from the browser's CSPRNG): one
/// per confirmation, so a double click or a network retry of the same
/// confirmation cannot redeem twice.
pub fn new_key() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Never a fixed key: two confirmations would read as one retry.
        bytes.iter_mut().for_each(|b| *b = (js_sys::Math::random() * 256.0) as u8);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
