//! What every component shares, installed once by [`crate::mount`] and
//! read with [`use_state`]. Signals are `Copy`, so components take the
//! state by value.
//!
//! Each API read lives in a signal of [`Load`]. A read is set to
//! `Loading` only when what it shows would be wrong (another shopper
//! signed in); a refresh keeps the old figures on screen until the new
//! ones arrive, as a shopper expects from a balance.

use std::cell::RefCell;

use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::program::points_name;
use loyalty_core::wire::{
    MemberActivities, MemberSummary, ProgramSummary, RedemptionReceipt, ReferralSummary, ShopperOffers, TransactionPage,
};
use serde::Serialize;
use wasm_bindgen::JsCast;

use crate::api::{Api, ApiError};
use crate::text::{number, Text};

/// One API read, as the shopper sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Load<T> {
    /// Nothing to show: a guest has no balance, the history was never opened.
    Idle,
    /// Asked for, not answered yet.
    Loading,
    /// The answer.
    Ready(T),
    /// The error, shown with a retry.
    Failed(ApiError),
}

impl<T> From<Result<T, ApiError>> for Load<T> {
    fn from(r: Result<T, ApiError>) -> Load<T> {
        r.map_or_else(Load::Failed, Load::Ready)
    }
}

impl<T> Load<T> {
    /// The answer, if there is one.
    pub fn ready(&self) -> Option<&T> {
        match self {
            Load::Ready(v) => Some(v),
            _ => None,
        }
    }
}

/// How many history lines a page asks for.
pub const HISTORY_PAGE: usize = 20;

/// What the page gave the widget: JS values, which live on this thread
/// only, so they are kept beside the state rather than in signals.
struct Page {
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
    /// The shopper's token; `None` for a guest.
    token: RwSignal<Option<String>>,
    /// Where requests go.
    api: StoredValue<Api>,
    /// Words in the page's language.
    pub text: &'static Text,
    /// Panel always open (inline mode).
    pub inline: bool,
    /// Message for the ARIA live region.
    pub live: RwSignal<String>,
    /// `GET /v1/program` (public).
    pub program: RwSignal<Load<ProgramSummary>>,
    /// `GET /v1/me`; `Idle` for a guest.
    pub me: RwSignal<Load<MemberSummary>>,
    /// `GET /v1/me/rewards`; `Idle` for a guest.
    pub offers: RwSignal<Load<ShopperOffers>>,
    /// `GET /v1/me/transactions`, loaded when the History tab shows.
    pub history: RwSignal<Load<TransactionPage>>,
    /// `GET /v1/me/activities`, loaded when the Earn tab shows.
    pub activities: RwSignal<Load<MemberActivities>>,
    /// `GET /v1/me/referral`, loaded when the Earn tab shows its "Refer a
    /// friend" card (when the program offers referrals).
    pub referral: RwSignal<Load<ReferralSummary>>,
    /// The latest redemption, shown with its code until the next one. Kept
    /// here, not in the reward's card, because the card is rebuilt when
    /// the catalog reloads after the redemption.
    pub last_coupon: RwSignal<Option<RedemptionReceipt>>,
    /// Set by a redemption, cleared by the coupon's Copy button as it takes
    /// focus: a coupon shown again (the panel reopened) does not take it.
    pub fresh_coupon: StoredValue<bool>,
}

thread_local! {
    // The loader instantiates the module once per script tag and mounts it
    // once, so a module instance holds exactly one widget: its state lives
    // here, where the JS API (`LoyaltyEdge.*`) finds it too.
    static MOUNTED: RefCell<Option<(State, Page)>> = const { RefCell::new(None) };
}

impl State {
    /// Creates the state, installs it for [`use_state`] and the JS API, and
    /// starts the first loads.
    pub fn install(
        api: &str,
        token: Option<String>,
        lang: &str,
        inline: bool,
        host: web_sys::HtmlElement,
        early: js_sys::Map,
    ) -> State {
        let text = Text::for_lang(lang);
        let token = token.filter(|t| !t.is_empty());
        let s = State {
            token: RwSignal::new(token.clone()),
            api: StoredValue::new(Api { base: api.to_owned(), lang: text.locale }),
            text,
            inline,
            live: RwSignal::new(String::new()),
            program: RwSignal::new(Load::Loading),
            me: RwSignal::new(Load::Loading),
            offers: RwSignal::new(Load::Loading),
            history: RwSignal::new(Load::Idle),
            activities: RwSignal::new(Load::Idle),
            referral: RwSignal::new(Load::Idle),
            last_coupon: RwSignal::new(None),
            fresh_coupon: StoredValue::new(false),
        };
        MOUNTED.set(Some((s, Page { host, early: (token, early) })));
        s.load_program();
        // Another shopper (or none): forget the last one's figures, then
        // load. Reading `token` subscribes this effect to sign-in/out.
        Effect::new(move |_| {
            s.token.track();
            let signed_in = s.token_untracked().is_some();
            s.me.set(if signed_in { Load::Loading } else { Load::Idle });
            s.offers.set(if signed_in { Load::Loading } else { Load::Idle });
            s.history.set(Load::Idle);
            s.activities.set(Load::Idle);
            s.referral.set(Load::Idle);
            s.last_coupon.set(None);
            s.refresh();
        });
        s
    }

    /// The mounted widget's state; `None` before [`crate::mount`].
    pub fn mounted() -> Option<State> {
        MOUNTED.with_borrow(|m| m.as_ref().map(|(s, _)| *s))
    }

    /// Where requests go.
    pub fn api(&self) -> Api {
        self.api.get_value()
    }

    /// (Re)loads the public program summary.
    pub fn load_program(&self) {
        let s = *self;
        let early = s.take_early("/v1/program");
        spawn_local(async move {
            s.program.set(s.api().get::<ProgramSummary>("/v1/program", None, early).await.into());
        });
    }

    /// Reloads what a redemption or a purchase changes. Balance and
    /// rewards are fetched together and shown together, so "you need N
    /// more" never disagrees with the balance above it. The history, once
    /// shown, is reloaded with as many lines as are on screen (up to the
    /// API's 100), so a refresh brings in what is new without taking back
    /// the pages the shopper asked for.
    pub fn refresh(&self) {
        let s = *self;
        let Some(token) = s.token_untracked() else { return };
        let (early_me, early_offers) = (s.take_early("/v1/me"), s.take_early("/v1/me/rewards"));
        let shown = s.history.with_untracked(|h| match h {
            Load::Idle => None,
            Load::Ready(page) => Some(page.transactions.len()),
            Load::Loading | Load::Failed(_) => Some(0),
        });
        spawn_local(async move {
            let api = s.api();
            let t = Some(token.as_str());
            let (me, offers) = futures::join!(
                api.get::<MemberSummary>("/v1/me", t, early_me),
                api.get::<ShopperOffers>("/v1/me/rewards", t, early_offers)
            );
            if s.token_untracked().as_deref() == Some(&token) {
                s.me.set(me.into());
                s.offers.set(offers.into());
            }
        });
        if let Some(shown) = shown {
            s.load_history(shown.clamp(HISTORY_PAGE, 100));
        }
    }

    /// Loads the newest `limit` history lines.
    pub fn load_history(&self, limit: usize) {
        self.load(self.history, format!("/v1/me/transactions?limit={limit}"));
    }

    /// Loads the signed-in shopper's `path` into `slot`, showing
    /// "Loading…" only where nothing worth keeping is on screen, and
    /// dropping the answer if another shopper signed in meanwhile.
    pub fn load<T: serde::de::DeserializeOwned + Send + Sync + 'static>(&self, slot: RwSignal<Load<T>>, path: String) {
        let s = *self;
        let Some(token) = s.token_untracked() else { return };
        if slot.with_untracked(is_unshown) {
            slot.set(Load::Loading);
        }
        spawn_local(async move {
            let answer = s.api().get::<T>(&path, Some(&token), None).await;
            if s.token_untracked().as_deref() == Some(&token) {
                slot.set(answer.into());
            }
        });
    }

    /// The loader's early request for `path`, once, and only while the
    /// shopper is the one it was sent for: after a sign-in or sign-out
    /// they are all dropped.
    fn take_early(&self, path: &str) -> Option<js_sys::Promise> {
        let current = self.token_untracked();
        MOUNTED.with_borrow_mut(|m| {
            let (_, Page { early: (token, early), .. }) = m.as_mut()?;
            if *token != current {
                early.clear();
            }
            let path = wasm_bindgen::JsValue::from_str(path);
            let found = early.get(&path).dyn_into::<js_sys::Promise>().ok();
            early.delete(&path);
            found
        })
    }

    /// The program's name for `n` points ("points", "Star"), in the
    /// singular or plural core picks; "points" until the program has
    /// loaded. A tracked read, so a reactive view that shows it follows.
    pub fn unit(&self, n: i64) -> String {
        self.program.with(|p| {
            let name = p.ready().map_or("points", |p| p.points_name.as_str());
            points_name(name, n, self.text.lang).to_owned()
        })
    }

    /// `n` points in the shopper's words: "1,200 points", "1 Star".
    pub fn points(&self, n: i64) -> String {
        format!("{} {}", number(n, self.text), self.unit(n))
    }

    /// The shopper's token (tracked); `None` for a guest.
    pub fn token(&self) -> Option<String> {
        self.token.get()
    }

    /// The shopper's token, read without subscribing to it.
    pub fn token_untracked(&self) -> Option<String> {
        self.token.get_untracked()
    }

    /// Signs a shopper in, or out with `None` (or an empty token).
    pub fn sign_in(&self, token: Option<String>) {
        self.token.set(token.filter(|t| !t.is_empty()));
    }

    /// Sends a DOM event to the host page (`loyalty:ready`, …) with a core
    /// type as its `detail`; it bubbles out of the shadow root. The host is
    /// taken out of the thread-local first: the page's listeners run inside
    /// `dispatchEvent` and may call back into the widget.
    pub fn emit(&self, name: &str, detail: &impl Serialize) {
        let Some(host) = MOUNTED.with_borrow(|m| m.as_ref().map(|(_, p)| p.host.clone())) else { return };
        let detail =
            detail.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(wasm_bindgen::JsValue::NULL);
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&detail);
        if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
            let _ = host.dispatch_event(&event);
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
        self.emit("loyalty:error", e);
    }
}

/// Whether a read shows nothing worth keeping on screen while it reloads.
fn is_unshown<T>(l: &Load<T>) -> bool {
    matches!(l, Load::Idle | Load::Failed(_))
}

/// The state, for a component: components exist only once the widget is
/// mounted.
pub fn use_state() -> State {
    State::mounted().expect("components are built by mount, after install")
}
