//! The member's standing: balance, pending and expiring points, and the
//! tier with a progress bar to the next one.

use leptos::prelude::*;

use crate::json::Json;
use crate::model::{tier_threshold, Member};
use crate::panel::loaded;
use crate::state::{use_state, Load};
use crate::text::{day, fill, number};

/// Balance card.
#[component]
pub fn Balance() -> impl IntoView {
    let s = use_state();
    loaded(s.me, "/v1/me", move |j| {
        let program = match s.program.get() {
            Load::Ready(p) => Some(p),
            _ => None,
        };
        standing(Member::from(&j), program).into_any()
    })
}

fn standing(m: Member, program: Option<Json>) -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let unit = s.unit(m.balance);
    let pending =
        (m.pending > 0).then(|| view! { <p class="le-pending">{fill(t.pending, &[("n", &number(m.pending, t))])}</p> });
    let expiring = m.expiring.map(|(points, at)| {
        view! { <p class="le-expiring">{fill(t.expiring, &[("n", &number(points, t)), ("date", &day(&at, t))])}</p> }
    });
    let tier = m.tier.map(|name| {
        let current = program.as_ref().map_or(0, |p| tier_threshold(p, &name));
        let (percent, caption) = match &m.next_tier {
            Some(n) => {
                let span = (n.threshold - current).max(1);
                let done = (span - n.points_needed).clamp(0, span);
                (done * 100 / span, fill(t.to_next_tier, &[("n", &number(n.points_needed, t)), ("name", &n.name)]))
            }
            None => (100, t.top_tier.to_owned()),
        };
        view! {
            <div class="le-tier">
                <p><strong>{fill(t.tier, &[("name", &name)])}</strong></p>
                <div class="le-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                    aria-valuenow=percent.to_string() aria-label=caption.clone()>
                    <div class="le-fill" style=["width:", &percent.to_string(), "%"].concat()></div>
                </div>
                <p class="le-muted">{caption}</p>
            </div>
        }
    });
    view! {
        <div class="le-card">
            <p class="le-muted">{t.balance}</p>
            <p class="le-points"><span class="le-balance">{number(m.balance, t)}</span>" "{unit}</p>
            {pending}
            {expiring}
            {tier}
        </div>
    }
}
