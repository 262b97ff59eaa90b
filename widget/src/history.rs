//! The member's ledger, newest first, a page at a time.

use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::wire::TransactionPage;

use crate::panel::loaded;
use crate::state::{use_state, Load, State, HISTORY_PAGE};
use crate::text::{day, number};

/// History tab. Loaded when first shown; [`State::refresh`] reloads it
/// after a redemption.
#[component]
pub fn History() -> impl IntoView {
    let s = use_state();
    if s.history.with_untracked(|h| matches!(h, Load::Idle)) {
        s.load_history(HISTORY_PAGE);
    }
    // A page being fetched: a second click must not append it twice.
    let fetching = StoredValue::new(false);
    loaded(
        s.history,
        move || s.load_history(HISTORY_PAGE),
        move |page: &TransactionPage| {
            if page.transactions.is_empty() {
                return view! { <p class="le-muted">{s.text.no_history}</p> }.into_any();
            }
            // Built whole with each answer (see `loaded`), older pages included.
            let lines = page
                .transactions
                .iter()
                .map(|t| {
                    view! {
                        <li class="le-txn">
                            <span>{t.description.clone()}</span>
                            <span class="le-muted">{day(t.created_at, s.text)}</span>
                            <span class="le-delta" class:le-plus={t.points > 0}>
                                {if t.points > 0 { "+" } else { "" }}{number(t.points, s.text)}
                            </span>
                        </li>
                    }
                    .into_any()
                })
                .collect_view();
            let shown = page.clone();
            let older = page.next_cursor.clone().map(|cursor| {
                let on_click = move |_| {
                    if !fetching.get_value() {
                        fetching.set_value(true);
                        append_older(s, shown.clone(), &cursor, fetching);
                    }
                };
                view! { <button class="le-secondary le-older" on:click=on_click>{s.text.older}</button> }
            });
            view! {
                <ul class="le-history">{lines}</ul>
                {older}
            }
            .into_any()
        },
    )
}

/// Fetches the page after `shown` (from the API's `next_cursor`) and puts
/// both in the history as one page, whose next cursor is the new one. A
/// refresh (after a redemption) loads as many lines as are shown (see
/// [`State::refresh`]).
fn append_older(s: State, shown: TransactionPage, cursor: &str, fetching: StoredValue<bool>) {
    let token = s.token_untracked();
    let path = format!(
        "/v1/me/transactions?limit={HISTORY_PAGE}&cursor={}",
        String::from(js_sys::encode_uri_component(cursor))
    );
    spawn_local(async move {
        let next = s.api().get::<TransactionPage>(&path, token.as_deref(), None).await;
        fetching.set_value(false);
        if s.token_untracked() != token {
            return;
        }
        match next {
            Ok(next) => {
                let mut both = shown;
                both.transactions.extend(next.transactions);
                both.next_cursor = next.next_cursor;
                s.history.set(Load::Ready(both));
            }
            Err(e) => s.fail(&e),
        }
    });
}
