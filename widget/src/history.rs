//! The member's ledger, newest first, a page at a time.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::json::{object, Json};
use crate::listen::click;
use crate::markup::Markup;
use crate::model::Txn;
use crate::panel::loaded;
use crate::state::{use_state, Load, State};
use crate::text::{day, number};

const PATH: &str = "/v1/me/transactions?limit=20";

/// History tab. Loaded when first shown; [`crate::state::State::refresh`]
/// reloads it after a redemption.
#[component]
pub fn History() -> impl IntoView {
    let s = use_state();
    if s.history.get_untracked() == Load::Loading {
        s.load(s.history, PATH);
    }
    // A page being fetched: a second click must not append it twice.
    // Read untracked only (see `announced` in panel.rs).
    let fetching = RwSignal::new_local(false);
    loaded(s.history, PATH, move |j| {
        let txns = j.list("transactions");
        if txns.is_empty() {
            return Markup::of(s.text.no_history).show("le-muted").into_any();
        }
        let mut h = Markup::default();
        h.open("ul", "le-history");
        for t in txns {
            let t = Txn::from(&t);
            let plus = t.points > 0;
            h.open("li", "le-txn")
                .el("span", "", &t.description)
                .el("span", "le-muted", &day(&t.created_at, s.text))
                .el(
                    "span",
                    if plus { "le-delta le-plus" } else { "le-delta" },
                    &[if plus { "+" } else { "" }, &number(t.points, s.text)].concat(),
                )
                .close("li");
        }
        h.close("ul");
        // The last page has no button, and is the list's own view type.
        let Some(cursor) = j.opt_str("next_cursor") else { return h.show("").into_any() };
        h.with_button(
            "le-secondary le-older",
            s.text.older,
            click(move |_| {
                if !fetching.get_untracked() {
                    fetching.set(true);
                    append_older(s, j.clone(), &cursor, fetching);
                }
            }),
        )
    })
}

/// Fetches the page after `shown` (from the API's `next_cursor`) and puts
/// both in the history slot as one answer, so the list stays one view and
/// its next button asks for the page after that. A refresh (after a
/// redemption) loads as many lines as are shown (see
/// [`crate::state::State::refresh`]).
fn append_older(s: State, shown: Json, cursor: &str, fetching: RwSignal<bool, LocalStorage>) {
    let token = s.token_untracked();
    let path = [PATH, "&cursor=", &String::from(js_sys::encode_uri_component(cursor))].concat();
    let pending = api::get(&s.api(), &path, token.as_deref(), s.text.locale, None);
    spawn_local(async move {
        let r = pending.answer().await;
        fetching.set(false);
        if s.token_untracked() != token {
            return;
        }
        match r {
            Ok(next) => {
                let both = js_sys::Array::from(&shown.get("transactions").0)
                    .concat(&js_sys::Array::from(&next.get("transactions").0));
                let page = object(&[("transactions", both.into()), ("next_cursor", next.get("next_cursor").0)]);
                s.history.set(Load::Ready(Json(page)));
            }
            Err(e) => s.fail(&e),
        }
    });
}
