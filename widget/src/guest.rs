//! What a shopper who is not signed in sees: how to earn, the rewards
//! shown to guests, and a prompt to sign in.

use leptos::prelude::*;

use crate::model::Reward;
use crate::panel::{items, loaded};
use crate::state::use_state;

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
        {loaded(s.program, "/v1/program", move |j| {
            view! {
                <h3>{t.how_to_earn}</h3>
                <ul class="le-earn">
                    {items(j.list("earn_rules"), &|r| view! { <li>{r.0.as_string().unwrap_or_default()}</li> }.into_any())}
                </ul>
                <h3>{t.rewards}</h3>
                <ul class="le-rewards">
                    {items(j.list("rewards"), &|r| {
                        let r = Reward::from(&r);
                        view! {
                            <li class="le-reward" data-reward-id=r.id>
                                <div class="le-reward-head">
                                    <strong>{r.name}</strong>
                                    <span class="le-cost">{s.points(r.cost)}</span>
                                </div>
                                <p class="le-muted">{r.description}</p>
                            </li>
                        }
                        .into_any()
                    })}
                </ul>
            }
            .into_any()
        })}
    }
}
