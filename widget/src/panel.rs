//! The frame: a launcher button and the panel it opens (a non-modal
//! dialog), or the panel alone in inline mode. Owns focus handling: the
//! panel's close button takes focus on open, the launcher gets it back on
//! close, Escape closes. Also [`loaded`], how every API read is shown.

use leptos::html;
use leptos::prelude::*;
use web_sys::KeyboardEvent;

use crate::balance::Balance;
use crate::earn::Earn;
use crate::guest::Guest;
use crate::history::History;
use crate::rewards::{CouponView, Rewards};
use crate::state::{use_state, Load};
use crate::text::number;

/// The member's tabs, in their order on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Rewards,
    Earn,
    History,
}

impl Tab {
    const ALL: [Tab; 3] = [Tab::Rewards, Tab::Earn, Tab::History];

    fn id(self) -> &'static str {
        match self {
            Tab::Rewards => "le-tab-rewards",
            Tab::Earn => "le-tab-earn",
            Tab::History => "le-tab-history",
        }
    }

    /// The tab `step` places along (wrapping), as arrow keys move.
    fn moved(self, step: isize) -> Tab {
        let at = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        Tab::ALL[(at + step).rem_euclid(Tab::ALL.len() as isize) as usize]
    }
}

/// The whole widget.
#[component]
pub fn Panel() -> impl IntoView {
    let s = use_state();
    let open = RwSignal::new(s.inline);
    let launcher = NodeRef::<html::Button>::new();
    let close_button = NodeRef::<html::Button>::new();

    // Tell the host page once, when the program is first known.
    let announced = StoredValue::new(false);
    Effect::new(move |_| {
        if s.program.with(|p| p.ready().is_some()) && !announced.get_value() {
            announced.set_value(true);
            s.emit("loyalty:ready", &());
        }
    });
    // Focus moves into the panel when the shopper opens it (inline, the
    // panel is part of the page and takes nothing).
    Effect::new(move |_| {
        if let Some(b) = close_button.get() {
            if !s.inline {
                let _ = b.focus();
            }
        }
    });
    let close = move || {
        open.set(false);
        if let Some(b) = launcher.get_untracked() {
            let _ = b.focus();
        }
    };
    let title = move || s.program.with(|p| p.ready().map_or_else(|| s.text.launcher.to_owned(), |p| p.name.clone()));
    let badge = move || s.me.with(|m| m.ready().map(|m| format!(" · {}", number(m.balance, s.text))));

    view! {
        <div class="le-root" class:le-inline=s.inline>
            // Inline, the launcher and the close button are `hidden`: not
            // shown, focusable or announced.
            <button class="le-launcher" aria-haspopup="dialog" hidden=s.inline node_ref=launcher
                aria-expanded=move || open.get().to_string()
                on:click=move |_| if open.get_untracked() { close() } else { open.set(true) }>
                <span aria-hidden="true">"★ "</span>{s.text.launcher}<span class="le-badge">{badge}</span>
            </button>
            <Show when=move || open.get()>
                <section class="le-panel" role="dialog" aria-labelledby="le-title"
                    on:keydown=move |ev: KeyboardEvent| if ev.key() == "Escape" && !s.inline { close() }>
                    <header class="le-head">
                        <h2 id="le-title">{title}</h2>
                        <button class="le-close" hidden=s.inline aria-label=s.text.close node_ref=close_button
                            on:click=move |_| close()>"×"</button>
                    </header>
                    <p class="le-live" role="status" aria-live="polite">{move || s.live.get()}</p>
                    <Show when=move || s.token().is_some() fallback=|| view! { <Guest/> }>
                        <Member/>
                    </Show>
                </section>
            </Show>
        </div>
    }
}

/// A signed-in member: standing, then rewards, ways to earn or history.
///
/// The tabs follow the WAI-ARIA tabs pattern that screen-reader users
/// expect: one tab stop for the list (the selected tab), arrow keys (and
/// Home/End) move between tabs, and the panel names its tab.
#[component]
fn Member() -> impl IntoView {
    let s = use_state();
    let tab = RwSignal::new(Tab::Rewards);
    let buttons = Tab::ALL.map(|_| NodeRef::<html::Button>::new());
    let select = move |t: Tab| {
        tab.set(t);
        let at = Tab::ALL.iter().position(|x| *x == t).unwrap_or(0);
        if let Some(b) = buttons[at].get_untracked() {
            let _ = b.focus();
        }
    };
    let tab_button = move |t: Tab, label: &'static str, node: NodeRef<html::Button>| {
        view! {
            <button role="tab" class="le-tab" id=t.id() aria-controls="le-tabpanel" node_ref=node
                aria-selected=move || (tab.get() == t).to_string()
                tabindex=move || if tab.get() == t { "0" } else { "-1" }
                on:click=move |_| tab.set(t)>{label}</button>
        }
    };
    // Keys are kept from the host page (Home/End would scroll it).
    let on_key = move |ev: KeyboardEvent| {
        let to = match ev.key().as_str() {
            "ArrowLeft" => tab.get_untracked().moved(-1),
            "ArrowRight" => tab.get_untracked().moved(1),
            "Home" => Tab::ALL[0],
            "End" => Tab::ALL[Tab::ALL.len() - 1],
            _ => return,
        };
        ev.prevent_default();
        select(to);
    };
    view! {
        <div class="le-member">
            <Balance/>
            <CouponView/>
            <div role="tablist" class="le-tabs" on:keydown=on_key>
                {tab_button(Tab::Rewards, s.text.rewards, buttons[0])}
                {tab_button(Tab::Earn, s.text.earn, buttons[1])}
                {tab_button(Tab::History, s.text.history, buttons[2])}
            </div>
            <div role="tabpanel" id="le-tabpanel" aria-labelledby=move || tab.get().id()>
                {move || match tab.get() {
                    Tab::Rewards => view! { <Rewards/> }.into_any(),
                    Tab::Earn => view! { <Earn/> }.into_any(),
                    Tab::History => view! { <History/> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// One API read on screen: "Loading…", what `show` makes of the answer,
/// nothing when idle, or the failure in words with a retry.
pub fn loaded<T, V>(
    slot: RwSignal<Load<T>>,
    retry: impl Fn() + Copy + Send + Sync + 'static,
    show: impl Fn(&T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Send + Sync + 'static,
    V: IntoView + 'static,
{
    let s = use_state();
    move || {
        slot.with(|l| match l {
            Load::Idle => ().into_any(),
            Load::Loading => view! { <p class="le-muted">{s.text.loading}</p> }.into_any(),
            Load::Ready(v) => show(v).into_any(),
            Load::Failed(e) => view! {
                <div class="le-error" role="alert">
                    <p>{s.text.error(&e.code, &e.message)}</p>
                </div>
                <button class="le-secondary" on:click=move |_| retry()>{s.text.retry}</button>
            }
            .into_any(),
        })
    }
}
