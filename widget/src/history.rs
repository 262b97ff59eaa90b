//! The member's ledger, newest first.

use leptos::prelude::*;
use loyalty_core::wire::TransactionPage;

use crate::api;
use crate::panel::Failure;
use crate::state::use_state;
use crate::text::day;

/// History tab. Loaded when first shown, and again after the token changes.
#[component]
pub fn History() -> impl IntoView {
    let s = use_state();
    let page = LocalResource::new(move || {
        let token = s.token.get();
        // Reload after a redemption too: it shows up here.
        let _ = s.last_coupon.get();
        async move {
            api::get::<TransactionPage>(&s.api.get_value(), "/v1/me/transactions?limit=20", token.as_deref()).await
        }
    });
    view! {
        <Transition fallback=move || view! { <p class="le-muted">{s.text.loading}</p> }>
            {move || page.get().map(|r| match r {
                Ok(p) if p.transactions.is_empty() => view! { <p class="le-muted">{s.text.no_history}</p> }.into_any(),
                Ok(p) => view! {
                    <ul class="le-history">
                        {p.transactions.into_iter().map(|t| {
                            let at = t.created_at.to_rfc3339();
                            let plus = t.points > 0;
                            let sign = if plus { "+" } else { "" };
                            view! {
                                <li class="le-txn">
                                    <span>{t.description}</span>
                                    <span class="le-muted">{day(&at).to_owned()}</span>
                                    <span class="le-delta" class:le-plus=plus>{format!("{sign}{}", t.points)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! {
                    <Failure message=s.text.error(&e.code, &e.message) retry=Callback::new(move |_| page.refetch())/>
                }.into_any(),
            })}
        </Transition>
    }
}
