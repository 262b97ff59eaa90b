//! The member's standing: balance, pending and expiring points, and the
//! tier with a progress bar to the next one.

use leptos::prelude::*;
use loyalty_core::wire::{MemberSummary, ProgramSummary};

use crate::panel::Failure;
use crate::state::use_state;
use crate::text::{day, fill};

/// Balance card.
#[component]
pub fn Balance() -> impl IntoView {
    let s = use_state();
    view! {
        <Transition fallback=move || view! { <p class="le-muted">{s.text.loading}</p> }>
            {move || s.me.get().map(|r| match r {
                Ok(Some(m)) => {
                    let program = s.program.get().and_then(Result::ok);
                    standing(m, program).into_any()
                }
                Ok(None) => ().into_any(),
                Err(e) => view! {
                    <Failure message=s.text.error(&e.code, &e.message) retry=Callback::new(move |_| s.me.refetch())/>
                }.into_any(),
            })}
        </Transition>
    }
}

fn standing(m: MemberSummary, program: Option<ProgramSummary>) -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let points_name = program.as_ref().map_or_else(|| "points".to_owned(), |p| p.points_name.clone());
    let pending = (m.pending > 0)
        .then(|| view! { <p class="le-pending">{fill(t.pending, &[("n", &m.pending.to_string())])}</p> });
    let expiring = m.expiring.first().map(|e| {
        let date = e.expires_at.to_rfc3339();
        view! { <p class="le-expiring">{fill(t.expiring, &[("n", &e.points.to_string()), ("date", day(&date))])}</p> }
    });
    let tier = m.tier.clone().map(|name| {
        let current = program.as_ref().and_then(|p| p.tiers.iter().find(|t| t.name == name)).map_or(0, |t| t.threshold);
        let (percent, caption) = match &m.next_tier {
            Some(n) => {
                let span = (n.threshold - current).max(1);
                let done = (span - n.points_needed).clamp(0, span);
                (done * 100 / span, fill(t.to_next_tier, &[("n", &n.points_needed.to_string()), ("name", &n.name)]))
            }
            None => (100, t.top_tier.to_owned()),
        };
        view! {
            <div class="le-tier">
                <p><strong>{fill(t.tier, &[("name", &name)])}</strong></p>
                <div class="le-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                    aria-valuenow=percent.to_string() aria-label=caption.clone()>
                    <div class="le-fill" style=format!("width:{percent}%")></div>
                </div>
                <p class="le-muted">{caption}</p>
            </div>
        }
    });
    view! {
        <div class="le-card">
            <p class="le-muted">{t.balance}</p>
            <p class="le-points"><span class="le-balance" data-testid="balance">{m.balance}</span>" "{points_name}</p>
            {pending}
            {expiring}
            {tier}
        </div>
    }
}
