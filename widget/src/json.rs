//! Reading the API's JSON without serde. The browser's own `JSON.parse`
//! builds the values and the widget reads the few fields it shows by name.
//!
//! Why not serde (as core and the Worker use): in the widget, serde's
//! derived deserialisers, serde-wasm-bindgen and `time` (to parse RFC 3339
//! timestamps the widget only displays) were about a quarter of the wasm
//! (twiggy), for a shopper's download. Field names follow `core::wire`;
//! the browser tests read every one of them through the real API.

use wasm_bindgen::{JsCast, JsValue};

/// A parsed JSON value (a JS value from `JSON.parse`).
#[derive(Clone, Debug, PartialEq)]
pub struct Json(pub JsValue);

impl Json {
    /// JSON `null`.
    pub fn null() -> Json {
        Json(JsValue::NULL)
    }

    /// Whether this is `null` or missing.
    pub fn is_null(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }

    /// Field `key` (missing reads as `null`).
    pub fn get(&self, key: &str) -> Json {
        if self.is_null() {
            return Json::null();
        }
        Json(js_sys::Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::NULL))
    }

    /// An integer field (points and money are integers on the wire).
    pub fn opt_int(&self, key: &str) -> Option<i64> {
        self.get(key).0.as_f64().map(|f| f as i64)
    }

    /// An integer field, 0 when missing.
    pub fn int(&self, key: &str) -> i64 {
        self.opt_int(key).unwrap_or(0)
    }

    /// A string field.
    pub fn opt_str(&self, key: &str) -> Option<String> {
        self.get(key).0.as_string()
    }

    /// A string field, empty when missing.
    pub fn str(&self, key: &str) -> String {
        self.opt_str(key).unwrap_or_default()
    }

    /// A boolean field, false when missing.
    pub fn bool(&self, key: &str) -> bool {
        self.get(key).0.as_bool().unwrap_or(false)
    }

    /// An array field's items (none when missing).
    pub fn list(&self, key: &str) -> Vec<Json> {
        self.get(key).0.dyn_ref::<js_sys::Array>().map_or_else(Vec::new, |a| a.iter().map(Json).collect())
    }
}

/// Builds a JS object from pairs, for request bodies and event details.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}
