//! The member's standing: balance, pending and expiring points, and the
//! tier with a progress bar to the next one.

use leptos::prelude::*;
use loyalty_core::wire::{MemberSummary, ProgramSummary};

use crate::panel::loaded;
use crate::state::use_state;
use crate::text::{day, fill, number};

/// Balance card.
#[component]
pub fn Balance() -> impl IntoView {
    let s = use_state();
    loaded(s.me, move || s.refresh(), move |m: &MemberSummary| standing(m.clone()))
}

/// How far `m` is from its next tier, in percent, with the caption that
/// says so; the current tier's threshold comes from the program (0 until
/// it has loaded).
fn progress(m: &MemberSummary, current_tier: &str, program: Option<&ProgramSummary>) -> Option<(i64, i64)> {
    let next = m.next_tier.as_ref()?;
    let current = program.and_then(|p| p.tiers.iter().find(|t| t.name == current_tier)).map_or(0, |t| t.threshold);
    let span = (next.threshold - current).max(1);
    let done = (span - next.points_needed).clamp(0, span);
    Some((done * 100 / span, next.points_needed))
}

fn standing(m: MemberSummary) -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let pending = (m.pending > 0).then(|| fill(t.pending, &[("n", &number(m.pending, t))]));
    let expiring =
        m.expiring.first().map(|e| fill(t.expiring, &[("n", &number(e.points, t)), ("date", &day(e.expires_at, t))]));
    let tier = m.tier.clone().map(|name| {
        let (percent, caption) = match s.program.with(|p| progress(&m, &name, p.ready())) {
            Some((percent, needed)) => {
                let next = m.next_tier.as_ref().map_or("", |n| n.name.as_str());
                (percent, fill(t.to_next_tier, &[("n", &number(needed, t)), ("name", next)]))
            }
            None => (100, t.top_tier.to_owned()),
        };
        // Tiers over a window: what counts, and until when the tier is
        // kept when the progress no longer reaches it.
        let window = m.tier_window.as_ref().map(|w| match (w.keeps_until, w.resets_at) {
            (Some(until), _) => fill(t.tier_kept, &[("name", &name), ("date", &day(until, t))]),
            (None, Some(resets)) => fill(t.window_until, &[("date", &day(resets, t))]),
            (None, None) => t.window_rolling.to_owned(),
        });
        view! {
            <div class="le-tier">
                <p><strong>{fill(t.tier, &[("name", &name)])}</strong></p>
                <div class="le-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"
                    aria-valuenow=percent aria-label=caption.clone()>
                    <div class="le-fill" style:width=format!("{percent}%")></div>
                </div>
                <p class="le-muted">{caption}</p>
                {window.map(|w| view! { <p class="le-muted le-window">{w}</p> })}
            </div>
        }
    });
    let balance = m.balance;
    // Store gift cards with something left: each code and its balance,
    // worded by core as the API words it.
    let cards = (!m.gift_cards.is_empty()).then(|| {
        let lines = m
            .gift_cards
            .into_iter()
            .map(|g| view! { <li><code class="le-gift-code">{g.code}</code>" · "{g.offer}</li> }.into_any())
            .collect_view();
        view! {
            <div class="le-gift-cards">
                <p class="le-muted">{t.gift_cards}</p>
                <ul>{lines}</ul>
            </div>
        }
    });
    view! {
        <div class="le-card">
            <p class="le-muted">{t.balance}</p>
            <p class="le-points">
                <span class="le-balance">{number(balance, t)}</span>" "{move || s.unit(balance)}
            </p>
            {pending.map(|p| view! { <p class="le-pending">{p}</p> })}
            {expiring.map(|e| view! { <p class="le-expiring">{e}</p> })}
            {tier}
            {cards}
        </div>
    }
}
