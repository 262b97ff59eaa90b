//! The member's ledger, newest first.

use leptos::prelude::*;

use crate::model::transactions;
use crate::panel::{items, loaded};
use crate::state::{use_state, Load};
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
    loaded(s.history, PATH, move |j| {
        let txns = transactions(&j);
        if txns.is_empty() {
            return view! { <p class="le-muted">{s.text.no_history}</p> }.into_any();
        }
        view! {
            <ul class="le-history">
                {items(txns, |t| {
                    let plus = t.points > 0;
                    let delta = [if plus { "+" } else { "" }, &number(t.points, s.text)].concat();
                    view! {
                        <li class="le-txn">
                            <span>{t.description}</span>
                            <span class="le-muted">{day(&t.created_at, s.text)}</span>
                            <span class=if plus { "le-delta le-plus" } else { "le-delta" }>{delta}</span>
                        </li>
                    }
                    .into_any()
                })}
            </ul>
        }
        .into_any()
    })
}
