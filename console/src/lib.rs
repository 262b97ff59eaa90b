//! # loyalty-console
//!
//! The merchant's console at `/admin`: Leptos (client-side rendering)
//! compiled to wasm and served by the Worker beside the API. It signs in
//! by exchanging an admin-scope key for an HttpOnly session cookie
//! (`POST /v1/session`), so the page's script never holds a credential,
//! then calls the same server routes as any back office, decoding each
//! answer into the `loyalty_core::wire` type the Worker serialised. Rules
//! and programs are checked with core's own functions as they are typed,
//! so a merchant sees every error at its field before saving, and sees
//! who qualifies for a reward with the reason redemption would give.
//!
//! Code map: [`api`] (HTTP, decoding), [`ui`] (shared pieces: loads,
//! figures, field errors), one module per page: [`overview`] (analytics
//! and its SVG charts in [`chart`]), [`members`], [`rewards`] (with the
//! rule builder), [`program`], [`keys`] (API keys and webhooks).

mod api;
mod chart;
mod keys;
mod members;
mod overview;
mod program;
mod rewards;
mod ui;

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::wire::{ConsoleSession, SessionEnded, SessionRequest};
use wasm_bindgen::prelude::*;

use crate::api::ApiError;
use crate::ui::format_time;

/// The console's pages, one per `#hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// Analytics.
    Overview,
    /// Search, a member's detail and what can be done for them.
    Members,
    /// The catalog and its rules.
    Rewards,
    /// Earn rules, tiers, expiry.
    Program,
    /// API keys and webhooks.
    Keys,
}

impl Page {
    const ALL: [Page; 5] = [Page::Overview, Page::Members, Page::Rewards, Page::Program, Page::Keys];

    fn hash(self) -> &'static str {
        match self {
            Page::Overview => "#overview",
            Page::Members => "#members",
            Page::Rewards => "#rewards",
            Page::Program => "#program",
            Page::Keys => "#keys",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Page::Overview => "Overview",
            Page::Members => "Members",
            Page::Rewards => "Rewards",
            Page::Program => "Program",
            Page::Keys => "Keys and webhooks",
        }
    }

    fn from_hash(hash: &str) -> Page {
        Page::ALL.into_iter().find(|p| p.hash() == hash).unwrap_or(Page::Overview)
    }
}

/// Where the console stands with its session.
#[derive(Clone, Debug, PartialEq)]
enum Session {
    /// Asking the Worker whether the cookie still holds.
    Checking,
    /// Not signed in; with why, when a session just ended.
    SignedOut(Option<String>),
    /// Signed in.
    SignedIn(ConsoleSession),
}

fn current_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// The module's start: mounts the console into the page's body.
#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}

/// The whole console.
#[component]
fn App() -> impl IntoView {
    let session = RwSignal::new(Session::Checking);
    let lost = RwSignal::new(None::<String>);
    api::on_session_lost(lost);
    Effect::new(move |_| {
        if let Some(why) = lost.get() {
            session.set(Session::SignedOut(Some(why)));
        }
    });
    spawn_local(async move {
        session.set(match api::get::<ConsoleSession>("/v1/session").await {
            Ok(s) => Session::SignedIn(s),
            Err(_) => Session::SignedOut(None),
        });
    });
    let page = RwSignal::new(Page::from_hash(&current_hash()));
    let handle = window_event_listener(leptos::ev::hashchange, move |_| page.set(Page::from_hash(&current_hash())));
    on_cleanup(move || handle.remove());
    Effect::new(move |_| {
        if let Some(d) = web_sys::window().and_then(|w| w.document()) {
            d.set_title(&format!("{} · Loyalty Edge console", page.get().title()));
        }
    });

    move || match session.get() {
        Session::Checking => view! { <p class="center" role="status">"Loading…"</p> }.into_any(),
        Session::SignedOut(why) => view! { <SignIn session why/> }.into_any(),
        Session::SignedIn(s) => view! { <Shell session current=s page/> }.into_any(),
    }
}

/// The sign-in form: a key, exchanged for the session cookie and forgotten.
#[component]
fn SignIn(session: RwSignal<Session>, why: Option<String>) -> impl IntoView {
    let key = NodeRef::<leptos::html::Input>::new();
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(k) = key.get() {
            let _ = k.focus();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = key.get() else { return };
        let request = SessionRequest { key: input.value() };
        busy.set(true);
        spawn_local(async move {
            match api::send::<_, ConsoleSession>(Method::POST, "/v1/session", Some(&request), false).await {
                Ok(s) => session.set(Session::SignedIn(s)),
                Err(e) => {
                    failure.set(Some(e));
                    busy.set(false);
                }
            }
        });
        // Out of the page's memory as soon as it is sent.
        input.set_value("");
    };
    view! {
        <main class="signin">
            <h1>"Loyalty Edge console"</h1>
            <form on:submit=submit>
                {why.map(|w| view! { <p class="notice">{format!("Signed out: {w}")}</p> })}
                <label for="key">"API key"</label>
                <p class="hint" id="key-hint">
                    "The root key or a key with the admin scope. It is exchanged for a session of 8 hours and not kept by this page."
                </p>
                <input id="key" type="password" autocomplete="off" required node_ref=key aria-describedby="key-hint"/>
                <Show when=move || failure.get().is_some()>
                    <p class="error" role="alert">
                        {move || failure.get().map(|e| ui::sentence(&e))}
                    </p>
                </Show>
                <button type="submit" prop:disabled=move || busy.get()>"Sign in"</button>
            </form>
        </main>
    }
}

/// The signed-in frame: navigation, who is signed in, the page.
#[component]
fn Shell(session: RwSignal<Session>, current: ConsoleSession, page: RwSignal<Page>) -> impl IntoView {
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = api::send::<(), SessionEnded>(Method::DELETE, "/v1/session", None, false).await;
            session.set(Session::SignedOut(None));
        });
    };
    let who = format!("{} · until {}", current.name, format_time(current.expires_at));
    view! {
        <header class="top">
            <span class="brand">"Loyalty Edge"</span>
            <nav aria-label="Console">
                <ul>
                    {Page::ALL
                        .into_iter()
                        .map(|p| {
                            view! {
                                <li>
                                    <a
                                        href=p.hash()
                                        aria-current=move || (page.get() == p).then_some("page")
                                    >
                                        {p.title()}
                                    </a>
                                </li>
                            }.into_any()
                        })
                        .collect_view()}
                </ul>
            </nav>
            <span class="signed-in">{who}</span>
            <button type="button" class="link" on:click=sign_out>"Sign out"</button>
        </header>
        <main id="page">
            {move || match page.get() {
                Page::Overview => view! { <overview::Overview/> }.into_any(),
                Page::Members => view! { <members::Members/> }.into_any(),
                Page::Rewards => view! { <rewards::Rewards/> }.into_any(),
                Page::Program => view! { <program::ProgramPage/> }.into_any(),
                Page::Keys => view! { <keys::Keys/> }.into_any(),
            }}
        </main>
    }
}
