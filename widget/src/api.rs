//! HTTP to the Loyalty Edge API. Errors keep the contract's code and
//! message so the widget can show the API's own words.

use gloo_net::http::{Request, RequestBuilder, Response};

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

async fn read(resp: Response) -> Result<Json, ApiError> {
    let (ok, status) = (resp.ok(), resp.status());
    let text = resp.text().await.map_err(network)?;
    let value = Json::parse(&text);
    match value {
        Some(v) if ok => Ok(v),
        Some(v) if !v.get("error").is_null() => {
            let e = v.get("error");
            Err(ApiError::new(&e.str("code"), e.str("message")))
        }
        _ => Err(ApiError::new("internal", ["HTTP ", &status.to_string()].concat())),
    }
}

// The browser's own message ("Failed to fetch") says nothing more to a
// shopper than the code does; the widget words `network` itself.
fn network(_: gloo_net::Error) -> ApiError {
    network_error()
}

fn network_error() -> ApiError {
    ApiError::new("network", "network error".into())
}

// The widget's language, not the browser's: the store decides what
// language its pages (and so the widget) speak, and the API words its
// refusal reasons in it.
fn authorized(mut r: RequestBuilder, token: Option<&str>, lang: &str) -> RequestBuilder {
    if let Some(t) = token {
        r = r.header("Authorization", &["Bearer ", t].concat());
    }
    r.header("Accept-Language", lang)
}

/// `GET base + path`, asking for words in `lang`; or, given `early`, the
/// answer to the same request the loader sent before the module was ready
/// (a `Promise<Response>`, see `loader.js`).
pub async fn get(
    base: &str,
    path: &str,
    token: Option<&str>,
    lang: &str,
    early: Option<js_sys::Promise>,
) -> Result<Json, ApiError> {
    let resp = match early {
        Some(p) => {
            let raw = wasm_bindgen_futures::JsFuture::from(p).await.map_err(|_| network_error())?;
            web_sys::Response::from(raw).into()
        }
        None => authorized(Request::get(&[base, path].concat()), token, lang).send().await.map_err(network)?,
    };
    read(resp).await
}

/// `POST base + path` with a JSON body and an `Idempotency-Key`.
pub async fn post(
    base: &str,
    path: &str,
    token: Option<&str>,
    body: &wasm_bindgen::JsValue,
    idempotency_key: &str,
    lang: &str,
) -> Result<Json, ApiError> {
    let body = js_sys::JSON::stringify(body).map(String::from).unwrap_or_default();
    let req = authorized(Request::post(&[base, path].concat()), token, lang)
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
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.iter().flat_map(|b| [HEX[usize::from(b >> 4)] as char, HEX[usize::from(b & 15)] as char]).collect()
}
