//! What a shopper who is not signed in sees: how to earn, the rewards
//! shown to guests, and a prompt to sign in.

use leptos::prelude::*;

use crate::panel::Failure;
use crate::state::use_state;
use crate::text::fill;

/// Guest view.
#[component]
pub fn Guest() -> impl IntoView {
    let s = use_state();
    let t = s.text;
    view! {
        <div class="le-card">
            <p><strong>{t.guest_title}</strong></p>
            <p class="le-muted le-signin">{t.guest_prompt}</p>
        </div>
        <Transition fallback=move || view! { <p class="le-muted">{t.loading}</p> }>
            {move || s.program.get().map(|r| match r {
                Ok(p) => view! {
                    <h3>{t.how_to_earn}</h3>
                    <ul class="le-earn">{p.earn_rules.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    <h3>{t.rewards}</h3>
                    <ul class="le-rewards">
                        {p.rewards.into_iter().map(|r| view! {
                            <li class="le-reward" data-reward-id=r.reward_id.clone()>
                                <div class="le-reward-head">
                                    <strong>{r.name}</strong>
                                    <span class="le-cost">{fill(t.cost, &[("n", &r.points_cost.to_string())])}</span>
                                </div>
                                <p class="le-muted">{r.description}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! {
                    <Failure message=t.error(&e.code, &e.message) retry=Callback::new(move |_| s.program.refetch())/>
                }.into_any(),
            })}
        </Transition>
    }
}
