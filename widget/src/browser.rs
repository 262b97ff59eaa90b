//! The browser APIs the widget calls through `widget/browser.js`, a few
//! plain JS functions bundled with the loader.
//!
//! Why not web-sys for these: every web-sys call is an import, a JS shim
//! and the wasm that converts its arguments, so building a request
//! (headers, init, `fetch`, the response's status and text, `JSON.parse`),
//! an event (its init dictionary, three setters, the constructor, the
//! dispatch), a clipboard write (reached by reflection) or a random key
//! cost more of the shopper's download as wasm than the same lines of JS.
//! Measured 2026-11-22 (gzip, script and wasm together, each step alone):
//! requests −0.68 KB, events, clipboard and keys −0.56 KB, dates −0.20 KB,
//! focus −0.07 KB. What to ask and what to do with the answers stays in
//! Rust; these functions only reach the browser.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/browser.js")]
extern "C" {
    /// One request to the API, or the loader's `early` one read instead:
    /// resolves to `[status, parsed body or null]`, rejects on a network
    /// failure. `key` is the Idempotency-Key (with a JSON `body`).
    pub fn send(
        url: &str,
        method: &str,
        lang: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: Option<String>,
        early: Option<js_sys::Promise>,
    ) -> js_sys::Promise;

    /// Dispatches the event `name` with `detail` from `target`, bubbling
    /// out of the shadow root to the host page.
    pub fn emit(target: &web_sys::HtmlElement, name: &str, detail: &JsValue);

    /// Focuses the element `selector` finds in `host`'s shadow root.
    #[wasm_bindgen(js_name = focusIn)]
    pub fn focus_in(host: &web_sys::HtmlElement, selector: &str);

    /// Copies `text` to the clipboard; resolves to whether it did.
    pub fn copy(text: &str) -> js_sys::Promise;

    /// An RFC 3339 time as a date in `locale`, by the browser's `Intl`.
    pub fn day(time: &str, locale: &str) -> String;

    /// 32 hex digits from `crypto.getRandomValues`.
    #[wasm_bindgen(js_name = randomKey)]
    pub fn random_key() -> String;
}
