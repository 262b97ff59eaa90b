//! What every component shares, installed once by [`crate::mount`] and
//! read with [`use_state`]. Signals are `Copy`, so components take the
//! state by value.
//!
//! Each API read lives in a [`Slot`]: a signal holding [`Load`]. A slot is
//! set to `Loading` only when what it shows would be wrong (another
//! shopper signed in); a refresh keeps the old figures on screen until the
//! new ones arrive, as a shopper expects from a balance. Slots hold the
//! parsed JSON, not decoded structs, so the reactive machinery is
//! instantiated once for all of them (each `LocalResource<T>` and
//! `Transition` cost kilobytes of wasm per `T`).

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::program::points_name;
use wasm_bindgen::{JsCast, JsValue};

use crate::api::{self, ApiError};
use crate::json::{object, Json};
use crate::text::{number, Text};

/// One API read.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// Not answered yet.
    Loading,
    /// The answer; `null` where a guest has nothing to show.
    Ready(Json),
    /// The error, shown with a retry.
    Failed(ApiError),
}

impl From<Result<Json, ApiError>> for Load {
    fn from(r: Result<Json, ApiError>) -> Load {
        r.map_or_else(Load::Failed, Load::Ready)
    }
}

/// A signal holding one API read (JS values live on this thread only).
///
/// Every signal of the widget is made with `new_local`, not only these:
/// the wasm has one thread anyway, and one storage kind instead of two
/// leaves one copy of Leptos's signal code (0.15 KB gzip, measured
/// 2026-11-22).
pub type Slot = RwSignal<Load, LocalStorage>;

/// What the page gave the widget, kept while it lives and never reacted
/// to: in a thread-local beside the state, not in a `StoredValue` (whose
/// arena code, for this one type, cost 0.3 KB gzip; measured 2026-11-22).
struct Page {
    /// API origin.
    api: String,
    /// The element hosting the shadow root: DOM events go there.
    host: web_sys::HtmlElement,
    /// Requests the loader sent while the module downloaded (a `Map` of
    /// path to `Promise<Response>`), each answered once in place of a new
    /// request, and the token they were sent with.
    early: (Option<String>, js_sys::Map),
}

/// Shared state.
#[derive(Clone, Copy)]
pub struct State {
    /// The shopper's token, empty for a guest; read and set through
    /// [`State::token`] and [`State::sign_in`]. A `String` signal, not an
    /// `Option<String>` one: the widget already has that type.
    token: RwSignal<String, LocalStorage>,
    /// Words in the page's language.
    pub text: &'static Text,
    /// Panel always open (inline mode).
    pub inline: bool,
    /// Message for the ARIA live region.
    pub live: RwSignal<String, LocalStorage>,
    /// `GET /v1/program` (public).
    pub program: Slot,
    /// `GET /v1/me`; `null` for a guest.
    pub me: Slot,
    /// `GET /v1/me/rewards`; `null` for a guest.
    pub offers: Slot,
    /// `GET /v1/me/transactions`, loaded when the History tab shows.
    pub history: Slot,
    /// The latest redemption's answer, shown with its code until the
    /// next one; `null` when there is none. Kept here, not in the reward's
    /// card, because the card is rebuilt when the catalog reloads after
    /// the redemption.
    pub last_coupon: Slot,
}

impl State {
    /// Creates the state and starts the first loads.
    pub fn new(
        api: &str,
        token: Option<String>,
        lang: &str,
        inline: bool,
        host: web_sys::HtmlElement,
        early: js_sys::Map,
    ) -> State {
        let loading = || RwSignal::new_local(Load::Loading);
        let token = token.filter(|t| !t.is_empty());
        PAGE.set(Some(Page { api: api.to_owned(), host, early: (token.clone(), early) }));
        let s = State {
            token: RwSignal::new_local(token.clone().unwrap_or_default()),
            text: Text::for_lang(lang),
            inline,
            live: RwSignal::new_local(String::new()),
            program: loading(),
            me: loading(),
            offers: loading(),
            history: loading(),
            last_coupon: RwSignal::new_local(Load::Ready(Json::null())),
        };
        s.load(s.program, "/v1/program");
        // Another shopper (or none): forget the last one's figures, then
        // load. Reading `token` subscribes this effect to sign-in/out.
        watch(move || {
            let _ = s.token();
            for slot in [s.me, s.offers, s.history] {
                slot.set(Load::Loading);
            }
            s.last_coupon.set(Load::Ready(Json::null()));
            s.refresh();
        });
        s
    }

    /// Loads `path` into `slot`. Member paths read as `null` for a guest;
    /// an answer for a token that is no longer current is dropped.
    pub fn load(&self, slot: Slot, path: &str) {
        let s = *self;
        let member = path.starts_with("/v1/me");
        let token = s.token_untracked();
        if member && token.is_none() {
            slot.set(Load::Ready(Json::null()));
            return;
        }
        let pending = api::get(&s.api(), path, token.as_deref(), s.text.locale, s.take_early(path));
        spawn_local(async move {
            let r = pending.answer().await;
            if member && s.token_untracked() != token {
                return;
            }
            slot.set(r.into());
        });
    }

    /// Reloads what a redemption or a purchase changes. Balance and
    /// rewards are fetched together and shown together, so "you need N
    /// more" never disagrees with the balance above it.
    pub fn refresh(&self) {
        let s = *self;
        let Some(token) = s.token_untracked() else {
            for slot in [s.me, s.offers, s.history] {
                slot.set(Load::Ready(Json::null()));
            }
            return;
        };
        // Both requests leave now, together; their answers are shown
        // together.
        let api = s.api();
        let me = api::get(&api, "/v1/me", Some(&token), s.text.locale, s.take_early("/v1/me"));
        let offers = api::get(&api, "/v1/me/rewards", Some(&token), s.text.locale, s.take_early("/v1/me/rewards"));
        spawn_local(async move {
            let (me, offers) = (me.answer().await, offers.answer().await);
            if s.token_untracked().as_deref() != Some(&token) {
                return;
            }
            for (slot, r) in [(s.me, me), (s.offers, offers)] {
                slot.set(r.into());
            }
        });
        // The history, once shown, as long as it is on screen (older pages
        // included, up to the API's 100), so a refresh brings in what is
        // new without taking back the pages the shopper asked for.
        let shown = s.history.with_untracked(|h| match h {
            Load::Loading => None,
            Load::Ready(j) => Some(j.list("transactions").len()),
            Load::Failed(_) => Some(0),
        });
        if let Some(shown) = shown {
            let limit = shown.clamp(20, 100) as i64;
            s.load(s.history, &["/v1/me/transactions?limit=", &limit.to_string()].concat());
        }
    }

    /// The loader's early request for `path`, once, and only while the
    /// shopper is the one it was sent for: after a sign-in or sign-out
    /// they are all dropped.
    fn take_early(&self, path: &str) -> Option<js_sys::Promise> {
        let current = self.token_untracked();
        page(|Page { early: (token, early), .. }| {
            if *token != current {
                early.clear();
            }
            let path = JsValue::from_str(path);
            let found = early.get(&path).dyn_into::<js_sys::Promise>().ok();
            early.delete(&path);
            found
        })
        .flatten()
    }

    /// The program's name for `n` points ("points", "Star"), in the
    /// singular or plural core picks; "points" until the program has
    /// loaded. A tracked read, so a reactive view that shows it follows.
    pub fn unit(&self, n: i64) -> String {
        let name = self.program_str("points_name");
        points_name(name.as_deref().unwrap_or("points"), n, self.text.lang).to_owned()
    }

    /// A text field of the program (tracked); `None` until it has loaded.
    pub fn program_str(&self, key: &str) -> Option<String> {
        self.program.with(|p| match p {
            Load::Ready(p) => p.opt_str(key),
            _ => None,
        })
    }

    /// `n` points in the shopper's words: "1,200 points", "1 Star".
    pub fn points(&self, n: i64) -> String {
        [&number(n, self.text), " ", &self.unit(n)].concat()
    }

    /// The shopper's token (tracked); `None` for a guest.
    pub fn token(&self) -> Option<String> {
        Some(self.token.get()).filter(|t| !t.is_empty())
    }

    /// The shopper's token, read without subscribing to it.
    pub fn token_untracked(&self) -> Option<String> {
        untrack(|| self.token())
    }

    /// Signs a shopper in, or out with `None` (or an empty token).
    pub fn sign_in(&self, token: Option<String>) {
        self.token.set(token.unwrap_or_default());
    }

    /// The API's origin.
    pub fn api(&self) -> String {
        page(|p| p.api.clone()).unwrap_or_default()
    }

    /// Focuses the element `selector` finds in the widget's shadow root
    /// (see [`crate::focus`]).
    pub fn focus(&self, selector: &str) {
        if let Some(h) = host() {
            crate::browser::focus_in(&h, selector);
        }
    }

    /// Sends a DOM event to the host page (`loyalty:ready`, …); it bubbles
    /// out of the shadow root.
    pub fn emit(&self, name: &str, detail: &JsValue) {
        if let Some(h) = host() {
            crate::browser::emit(&h, name, detail);
        }
    }

    /// Reports an error: in the shopper's words to the live region, with
    /// the API's code and message to the host page. A refusal means the
    /// figures on screen were out of date (points spent in another tab, a
    /// reward gone), so they are fetched again; a network error keeps them
    /// rather than trade them for a second error.
    pub fn fail(&self, e: &ApiError) {
        self.live.set(self.text.error(&e.code, &e.message));
        if e.code != "network" {
            self.refresh();
        }
        let detail = object(&[("code", e.code.as_str().into()), ("message", e.message.as_str().into())]);
        self.emit("loyalty:error", &detail);
    }
}

thread_local! {
    // The loader instantiates the module once per script tag and mounts it
    // once, so a module instance holds exactly one widget: its state lives
    // here, where the JS API (`LoyaltyEdge.*`) finds it too. Not in
    // Leptos's context: that is a map keyed by type, and its code cost
    // 1.3 KB gzip for the one value the widget puts there (measured
    // 2026-11-22).
    static MOUNTED: Cell<Option<State>> = const { Cell::new(None) };
    static PAGE: RefCell<Option<Page>> = const { RefCell::new(None) };
}

/// `f` on what the page gave the widget; `None` before [`State::new`].
/// `f` must not call back into the page: a host page's listener may call
/// `LoyaltyEdge.refresh()`, which comes back here (see [`host`]).
fn page<R>(f: impl FnOnce(&mut Page) -> R) -> Option<R> {
    PAGE.with_borrow_mut(|p| p.as_mut().map(f))
}

/// The host element, taken out of [`PAGE`] before events are sent to it:
/// the page's listeners run inside `dispatchEvent` and `focus`.
fn host() -> Option<web_sys::HtmlElement> {
    page(|p| p.host.clone())
}

impl State {
    /// Makes this the state [`use_state`] returns.
    pub fn install(self) {
        MOUNTED.with(|m| m.set(Some(self)));
    }

    /// The mounted widget's state; `None` before [`crate::mount`].
    pub fn mounted() -> Option<State> {
        MOUNTED.with(Cell::get)
    }
}

/// Runs `f` now and again each time a signal it read changes. Every
/// effect of the widget goes through here, so Leptos's effect code is
/// instantiated once for one boxed closure type rather than once per
/// closure (0.3 KB gzip, measured 2026-11-22).
pub fn watch(f: impl Fn() + 'static) {
    watch_boxed(Box::new(f));
}

// Not generic, so its closure is one type whatever `watch` was given.
fn watch_boxed(f: Box<dyn Fn()>) {
    Effect::new(move |_| f());
}

/// The state, for a component: components exist only once the widget is
/// mounted.
pub fn use_state() -> State {
    State::mounted().expect("components are built by mount, after install")
}
