//! The frame: a launcher button and the panel it opens (a non-modal
//! dialog), or the panel alone in inline mode. Owns focus handling: the
//! panel's close button takes focus on open, the launcher gets it back on
//! close, Escape closes.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::bind::{attrs, bind, flag, text};
use crate::focus::autofocus;
use crate::json::Json;
use crate::listen::{click, key, keydown, listen};
use crate::markup::Markup;
use crate::state::{use_state, watch, Load, Slot};
use crate::text::number;
use crate::{balance, guest, history, rewards};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Rewards,
    History,
}

impl Tab {
    fn id(self) -> &'static str {
        match self {
            Tab::Rewards => "le-tab-rewards",
            Tab::History => "le-tab-history",
        }
    }

    fn other(self) -> Tab {
        match self {
            Tab::Rewards => Tab::History,
            Tab::History => Tab::Rewards,
        }
    }
}

/// The whole widget.
#[component]
pub fn Panel() -> impl IntoView {
    let s = use_state();
    let open = RwSignal::new_local(s.inline);

    // Tell the host page once the program is known (first successful load).
    // `announced` is only ever read untracked, so it is a plain cell; it is
    // a `bool` signal because the widget already has that type (a
    // `StoredValue<bool>` here and in the reward card cost 0.2 KB gzip).
    let announced = RwSignal::new_local(false);
    watch(move || {
        if matches!(s.program.get(), Load::Ready(_)) && !announced.get_untracked() {
            announced.set(true);
            s.emit("loyalty:ready", &JsValue::NULL);
        }
    });
    let close = move || {
        open.set(false);
        s.focus(".le-launcher");
    };
    let title = move || match s.program.get() {
        Load::Ready(p) => p.str("name"),
        _ => s.text.launcher.to_owned(),
    };
    let badge = move || match s.me.get() {
        Load::Ready(m) if !m.is_null() => [" · ", &number(m.int("balance"), s.text)].concat(),
        _ => String::new(),
    };

    // Whole class strings here and in the lists, not `class:name=flag`:
    // that form is an attribute type of its own (0.36 KB gzip for the
    // three places, measured 2026-11-22).
    view! {
        <div class=if s.inline { "le-root le-inline" } else { "le-root" }>
            // Inline, the launcher and the close button are `hidden` (not
            // shown, focusable or announced) rather than left out: an
            // optional view is an `Either` with rendering code of its own
            // (0.2 KB gzip for the two, measured 2026-11-22).
            <button class="le-launcher" aria-haspopup="dialog" hidden=s.inline
                use:bind=attrs(move || [("aria-expanded", flag(open.get()))])
                use:listen=click(move |_| if open.get_untracked() { close() } else { open.set(true) })>
                <span aria-hidden="true">"★ "</span>{s.text.launcher}<span class="le-badge" use:bind=text(badge)></span>
            </button>
            // A plain reactive block rather than `<Show>`: `open` only
            // changes when it flips, so `Show`'s memo would add nothing but
            // its code (2 KB gzip: it was the widget's only memo). Type-
            // erased, like the widget's other reactive blocks, so they all
            // share one kind of render effect.
            {move || if !open.get() { ().into_any() } else { view! {
                <section class="le-panel" role="dialog" aria-labelledby="le-title"
                    use:listen=keydown(move |ev| if key(&ev) == "Escape" && !s.inline { close() })>
                    <header class="le-head">
                        <h2 id="le-title" use:bind=text(title)></h2>
                        // Focus moves into the panel when it opens.
                        <button class="le-close" hidden=s.inline use:autofocus=None aria-label=s.text.close
                            use:listen=click(move |_| close())>"×"</button>
                    </header>
                    <p class="le-live" role="status" aria-live="polite" use:bind=text(move || s.live.get())></p>
                    {move || if s.token().is_some() {
                        view! { <Member/> }.into_any()
                    } else {
                        view! { <guest::Guest/> }.into_any()
                    }}
                </section>
            }.into_any() }}
        </div>
    }
}

/// A signed-in member: standing, then rewards or history.
///
/// The tabs follow the WAI-ARIA tabs pattern that screen-reader users
/// expect: one tab stop for the list (the selected tab), arrow keys (and
/// Home/End) move between tabs, and the panel names its tab.
#[component]
fn Member() -> impl IntoView {
    let s = use_state();
    // The selected tab, kept in a `bool` signal: the widget already has
    // that signal type, and a new one costs 0.3 KB gzip.
    let history = RwSignal::new_local(false);
    let tab = move || if history.get() { Tab::History } else { Tab::Rewards };
    let set_tab = move |t: Tab| history.set(t == Tab::History);
    let select = move |t: Tab| {
        set_tab(t);
        s.focus(&["#", t.id()].concat());
    };
    let tab_button = move |t: Tab, label: &'static str| {
        let selected = move || tab() == t;
        view! {
            <button role="tab" class="le-tab" id=t.id() aria-controls="le-tabpanel"
                use:bind=attrs(move || {
                    let on = selected();
                    [("aria-selected", flag(on)), ("tabindex", if on { "0" } else { "-1" })]
                })
                use:listen=click(move |_| set_tab(t))>{label}</button>
        }
    };
    // One element, not a fragment of four: a fragment lists its children's
    // elements with code of its own (0.3 KB gzip, measured 2026-11-22).
    view! {
        <div class="le-member">
            <balance::Balance/>
            <rewards::CouponView/>
            // Two tabs: every arrow lands on the other one. The keys are kept
            // from the host page (Home/End would scroll it).
            <div role="tablist" class="le-tabs" use:listen=keydown(move |ev| {
                let to = match key(&ev).as_str() {
                    "ArrowLeft" | "ArrowRight" => untrack(tab).other(),
                    "Home" => Tab::Rewards,
                    "End" => Tab::History,
                    _ => return,
                };
                ev.prevent_default();
                select(to);
            })>
                {tab_button(Tab::Rewards, s.text.rewards)}
                {tab_button(Tab::History, s.text.history)}
            </div>
            <div role="tabpanel" id="le-tabpanel" use:bind=attrs(move || [("aria-labelledby", tab().id())])>
                {move || match tab() {
                    Tab::Rewards => view! { <rewards::Rewards/> }.into_any(),
                    Tab::History => view! { <history::History/> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// One slot on screen: "Loading…", what `show` makes of the answer,
/// nothing for a guest, or the failure with a retry.
///
/// `show` is boxed so that the four sections' blocks are one function, not
/// one per closure type (0.17 KB gzip, measured 2026-11-22).
pub fn loaded(slot: Slot, path: &'static str, show: impl Fn(Json) -> AnyView + Send + Sync + 'static) -> impl IntoView {
    loaded_boxed(slot, path, Box::new(show))
}

// Not generic, so its reactive block is one type whatever `loaded` was given.
fn loaded_boxed(slot: Slot, path: &'static str, show: Box<dyn Fn(Json) -> AnyView + Send + Sync>) -> impl IntoView {
    let s = use_state();
    move || match slot.get() {
        Load::Loading => Markup::of(s.text.loading).show("le-muted").into_any(),
        Load::Ready(j) if j.is_null() => ().into_any(),
        Load::Ready(j) => show(j),
        Load::Failed(e) => failure(&s.text.error(&e.code, &e.message), slot, path),
    }
}

/// A failed load: the reason in words and a way to try again, loading
/// `path` into `slot` again (data, not a `Callback`: its boxed closure and
/// stored value cost 0.4 KB gzip).
fn failure(message: &str, slot: Slot, path: &'static str) -> AnyView {
    let s = use_state();
    let mut h = Markup::default();
    h.open_with("div", &[("class", "le-error"), ("role", "alert")]).el("p", "", message).close("div");
    h.with_button("le-secondary", s.text.retry, click(move |_| s.load(slot, path)))
}
