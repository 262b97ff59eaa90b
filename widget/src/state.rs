//! What every component shares, provided once by [`crate::mount`] through
//! context. Signals are `Copy`, so components take the state by value.

use leptos::prelude::*;
use loyalty_core::wire::{MemberSummary, ProgramSummary, RedemptionReceipt, RewardOffers};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::JsValue;

use crate::api::{self, ApiError};
use crate::text::Text;

/// The loader's configuration (the script tag's data attributes).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Config {
    /// API origin, e.g. `https://loyalty.example.com`.
    #[serde(default)]
    pub api: String,
    /// Customer token from `data-customer-token`.
    #[serde(default)]
    pub token: Option<String>,
    /// Language (`en`, `fr`).
    #[serde(default)]
    pub lang: Option<String>,
    /// `inline` renders the panel in place; otherwise a launcher button.
    #[serde(default)]
    pub mode: Option<String>,
}

/// Shared state.
#[derive(Clone, Copy)]
pub struct State {
    /// API origin.
    pub api: StoredValue<String>,
    /// The shopper's token; `None` is a guest.
    pub token: RwSignal<Option<String>>,
    /// Words in the page's language.
    pub text: &'static Text,
    /// Panel always open (inline mode).
    pub inline: bool,
    /// Message for the ARIA live region.
    pub live: RwSignal<String>,
    /// The element hosting the shadow root: DOM events go there.
    pub host: StoredValue<web_sys::HtmlElement, LocalStorage>,
    /// Program summary (public).
    pub program: LocalResource<Result<ProgramSummary, ApiError>>,
    /// The member's standing; `None` for a guest.
    pub me: LocalResource<Result<Option<MemberSummary>, ApiError>>,
    /// The member's rewards, labelled; `None` for a guest.
    pub offers: LocalResource<Result<Option<RewardOffers>, ApiError>>,
    /// The latest redemption, shown with its code until the next one.
    /// Kept here, not in the reward's card, because the card is rebuilt
    /// when the catalog reloads after the redemption.
    pub last_coupon: RwSignal<Option<RedemptionReceipt>>,
}

impl State {
    /// Creates the state and starts the first loads.
    pub fn new(config: Config, token: RwSignal<Option<String>>, host: web_sys::HtmlElement) -> State {
        let api = StoredValue::new(config.api.trim_end_matches('/').to_owned());
        let program = LocalResource::new(move || async move {
            api::get::<ProgramSummary>(&api.get_value(), "/v1/program", None).await
        });
        let me = member_resource(api, token, "/v1/me");
        let offers = member_resource(api, token, "/v1/me/rewards");
        State {
            api,
            token,
            text: Text::for_lang(config.lang.as_deref()),
            inline: config.mode.as_deref() == Some("inline"),
            live: RwSignal::new(String::new()),
            host: StoredValue::new_local(host),
            program,
            me,
            offers,
            last_coupon: RwSignal::new(None),
        }
    }

    /// Reloads what a redemption changes.
    pub fn refresh(&self) {
        self.me.refetch();
        self.offers.refetch();
    }

    /// Sends a DOM event to the host page (`loyalty:ready`, …); it bubbles
    /// out of the shadow root.
    pub fn emit(&self, name: &str, detail: &JsValue) {
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(detail);
        if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
            let _ = self.host.with_value(|h| h.dispatch_event(&ev));
        }
    }

    /// Reports an error to the live region and the host page.
    pub fn fail(&self, e: &ApiError) {
        self.live.set(e.message.clone());
        let detail = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&detail, &"code".into(), &e.code.as_str().into());
        let _ = js_sys::Reflect::set(&detail, &"message".into(), &e.message.as_str().into());
        self.emit("loyalty:error", &detail);
    }
}

/// A resource of the signed-in member (`None` for a guest). It re-runs
/// when the token changes (sign in or out), because reading `token` inside
/// the fetcher subscribes to it.
fn member_resource<T: DeserializeOwned + 'static>(
    api: StoredValue<String>,
    token: RwSignal<Option<String>>,
    path: &'static str,
) -> LocalResource<Result<Option<T>, ApiError>> {
    LocalResource::new(move || {
        let t = token.get();
        async move {
            match t {
                Some(t) => api::get::<T>(&api.get_value(), path, Some(&t)).await.map(Some),
                None => Ok(None),
            }
        }
    })
}

/// The state, from context.
pub fn use_state() -> State {
    expect_context::<State>()
}
