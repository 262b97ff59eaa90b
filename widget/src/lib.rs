//! # loyalty-widget
//!
//! The storefront widget: Leptos (client-side rendering) compiled to wasm.
//! `widget/loader.js` is the one `<script>` a store pastes; it creates a
//! shadow root (so store CSS and widget CSS never meet), loads this module
//! and calls [`mount`]. Everything the widget says about points and rewards
//! comes from the API, which labels rewards with `loyalty-core`, the same
//! code the Worker enforces.
//!
//! Code map: [`state`] (what every component shares), [`api`] (HTTP),
//! [`browser`] (the browser calls made through `widget/browser.js`),
//! [`json`] and [`model`] (the API's answers, read without serde),
//! [`text`] (all user-facing words, per language), [`markup`] (static
//! blocks as escaped HTML), one module per component: [`panel`],
//! [`balance`], [`rewards`], [`history`], [`guest`], and three directives
//! the views use where Leptos's own forms cost more wasm: [`listen`]
//! (event handlers), [`bind`] (attributes and texts that follow signals),
//! [`focus`] (where keyboard focus goes).

mod api;
mod balance;
mod bind;
mod browser;
mod focus;
mod guest;
mod history;
mod json;
mod listen;
mod markup;
mod model;
mod panel;
mod rewards;
mod state;
mod text;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::json::Json;
use crate::state::{Load, State};

// talc, not std's dlmalloc: 1.7 KB gzip less for shoppers (measured
// 2026-11-22), and made for single-threaded wasm. It only pays because
// nothing else reaches dlmalloc any more (see widget/send_wrapper/PATCH.md);
// before that, std's thread handle kept dlmalloc linked beside it.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Mounts the widget into `mount` (inside the shadow root of `host`), with
/// the script tag's settings as read by the loader: the API origin (no
/// trailing slash), the customer token (none for a guest), the language,
/// `inline` or `launcher` mode, and the requests the loader already sent
/// for that token (a `Map` of path to `Promise<Response>`), so the first
/// figures do not wait for the module to download before they are asked
/// for.
#[wasm_bindgen]
pub fn mount(
    host: web_sys::HtmlElement,
    mount: web_sys::HtmlElement,
    api: String,
    token: Option<String>,
    lang: String,
    mode: String,
    early: js_sys::Map,
) {
    let handle = leptos::mount::mount_to(mount, move || {
        State::new(&api, token, &lang, mode == "inline", host, early).install();
        view! { <panel::Panel/> }
    });
    // The widget lives as long as the page.
    handle.forget();
}

fn with_state(f: impl FnOnce(State)) {
    if let Some(s) = State::mounted() {
        f(s);
    }
}

/// Signs a shopper in (single-page storefronts call this after login).
#[wasm_bindgen]
pub fn identify(token: String) {
    with_state(|s| s.sign_in(Some(token)));
}

/// Signs the shopper out: the widget falls back to the guest view.
#[wasm_bindgen]
pub fn logout() {
    with_state(|s| {
        s.last_coupon.set(Load::Ready(Json::null()));
        s.sign_in(None);
    });
}

/// Reloads the balance and rewards (e.g. after the store reports a purchase).
#[wasm_bindgen]
pub fn refresh() {
    with_state(|s| s.refresh());
}
