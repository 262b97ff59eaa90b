//! What a shopper who is not signed in sees: how to earn, the rewards
//! shown to guests, and a prompt to sign in.

use leptos::prelude::*;

use crate::markup::Markup;
use crate::model::Reward;
use crate::panel::loaded;
use crate::rewards::reward_head;
use crate::state::use_state;

/// Guest view.
#[component]
pub fn Guest() -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let mut h = Markup::default();
    h.open("p", "").el("strong", "", t.guest_title).close("p").el("p", "le-muted le-signin", t.guest_prompt);
    view! {
        {h.show("le-card")}
        {loaded(s.program, "/v1/program", move |j| {
            let mut h = Markup::default();
            h.el("h3", "", t.how_to_earn).open("ul", "le-earn");
            for rule in j.list("earn_rules") {
                h.el("li", "", &rule.0.as_string().unwrap_or_default());
            }
            h.close("ul").el("h3", "", t.rewards).open("ul", "le-rewards");
            for r in j.list("rewards") {
                let r = Reward::from(&r);
                h.open_with("li", &[("class", "le-reward"), ("data-reward-id", &r.id)]);
                reward_head(&mut h, &r);
                h.el("p", "le-muted", &r.description).close("li");
            }
            h.close("ul");
            h.show("").into_any()
        })}
    }
}
