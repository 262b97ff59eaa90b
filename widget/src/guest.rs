//! What a shopper who is not signed in sees: the ways to earn, the rewards
//! shown to guests, and a prompt to sign in.

use leptos::prelude::*;
use loyalty_core::wire::ProgramSummary;

use crate::earn::ways_to_earn;
use crate::panel::loaded;
use crate::rewards::RewardHead;
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
        {loaded(s.program, move || s.load_program(), move |p: &ProgramSummary| {
            // The list is built whole with each answer (see `loaded`): a
            // plain iterator, as Leptos does static lists; `<For>`'s keyed
            // diffing would have nothing to keep. Every list's items are
            // `AnyView`s, so all lists share one `Vec<AnyView>`'s view code
            // rather than each list type carrying its own (BENCHMARKS.md).
            let rewards = p
                .rewards
                .iter()
                .map(|r| {
                    view! {
                        <li class="le-reward" data-reward-id=r.reward_id.clone()>
                            <RewardHead name=r.name.clone() cost=r.points_cost/>
                            <p class="le-muted">{r.description.clone()}</p>
                        </li>
                    }
                    .into_any()
                })
                .collect_view();
            view! {
                {ways_to_earn(p, None)}
                <h3>{t.rewards}</h3>
                <ul class="le-rewards">{rewards}</ul>
            }
        })}
    }
}
