//! # loyalty-widget
//!
//! The storefront widget: Leptos (client-side rendering) compiled to wasm.
//! `widget/loader.js` is the one `<script>` a store pastes; it creates a
//! shadow root (so store CSS and widget CSS never meet), loads this module
//! and calls [`mount`]. Every answer of the API is decoded into the
//! `loyalty_core::wire` type the Worker serialised (serde through
//! serde-wasm-bindgen, requests with gloo-net), and everything the widget
//! says about points and rewards was computed by the Worker with
//! `loyalty-core`: the widget only words it.
//!
//! Code map: [`state`] (what every component shares, UI states as
//! [`state::Load`]), [`api`] (HTTP and decoding), [`text`] (all
//! user-facing words, per language), one module per component:
//! [`panel`], [`balance`], [`rewards`], [`earn`], [`history`], [`guest`].

mod api;
mod balance;
mod earn;
mod guest;
mod history;
mod panel;
mod rewards;
mod state;
mod text;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::state::State;

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
        State::install(&api, token, &lang, mode == "inline", host, early);
        view! { <panel::Panel/> }
    });
    // The widget lives as long as the page.
    handle.forget();
}

/// Signs a shopper in (single-page storefronts call this after login).
#[wasm_bindgen]
pub fn identify(token: String) {
    if let Some(s) = State::mounted() {
        s.sign_in(Some(token));
    }
}

/// Signs the shopper out: the widget falls back to the guest view.
#[wasm_bindgen]
pub fn logout() {
    if let Some(s) = State::mounted() {
        s.sign_in(None);
    }
}

/// Reloads the balance and rewards (e.g. after the store reports a purchase).
#[wasm_bindgen]
pub fn refresh() {
    if let Some(s) = State::mounted() {
        s.refresh();
    }
}
