//! The member's Earn tab: the ways to earn, each of the program's own
//! activities marked with what the member has left under its caps, and
//! the "Refer a friend" card with the member's link, a copy button and
//! what the link has brought.

use leptos::prelude::*;
use loyalty_core::wire::{MemberActivities, ProgramSummary, ReferralSummary};

use crate::panel::loaded;
use crate::rewards::CopyButton;
use crate::state::use_state;
use crate::text::{fill, number};

/// The ways to earn: the program's earn rules in words (the guest view
/// shows the same list), each activity's line with what the member has
/// left of it (`standing`; none for a guest). Built whole with each
/// answer, as [`loaded`] shows it.
pub fn ways_to_earn(p: &ProgramSummary, standing: Option<&MemberActivities>) -> impl IntoView {
    let t = use_state().text;
    let rules = p
        .earn_rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let left = p.activity_of_rule(i).and_then(|a| {
                let st = standing?.activities.iter().find(|x| x.activity_id == a.activity_id)?;
                st.left.map(|n| if n == 0 { t.done.to_owned() } else { fill(t.left, &[("n", &number(n.into(), t))]) })
            });
            view! {
                <li>
                    {rule.clone()}
                    {left.map(|l| view! { <span class="le-muted">" · "{l}</span> })}
                </li>
            }
            .into_any()
        })
        .collect_view();
    view! {
        <h3>{t.ways_to_earn}</h3>
        <ul class="le-earn">{rules}</ul>
    }
}

/// The Earn tab: its reads are made each time it shows (the figures on
/// screen stay until the new ones arrive).
#[component]
pub fn Earn() -> impl IntoView {
    let s = use_state();
    let activities = move || s.load(s.activities, "/v1/me/activities".into());
    activities();
    let referrals = move || s.program.with(|p| p.ready().is_some_and(|p| p.referrals));
    view! {
        {loaded(s.activities, activities, move |a: &MemberActivities| {
            s.program.with_untracked(|p| p.ready().map(|p| ways_to_earn(p, Some(a))))
        })}
        <Show when=referrals>
            <ReferFriend/>
        </Show>
    }
}

/// The "Refer a friend" card, for a program that offers referrals.
#[component]
fn ReferFriend() -> impl IntoView {
    let s = use_state();
    let referral = move || s.load(s.referral, "/v1/me/referral".into());
    referral();
    view! {
        <section class="le-card le-refer" aria-labelledby="le-refer-title">
            <h3 id="le-refer-title">{s.text.refer}</h3>
            {loaded(s.referral, referral, referral_card)}
        </section>
    }
}

/// The member's link, a button that copies it, and what it brought.
fn referral_card(r: &ReferralSummary) -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let pending = if r.points_pending > 0 { number(r.points_pending, t) } else { String::new() };
    let counts = fill(
        if pending.is_empty() { t.referral_counts } else { t.referral_counts_pending },
        &[
            ("joined", &number(r.referred, t)),
            ("ordered", &number(r.completed, t)),
            ("points", &s.points(r.points_earned)),
            ("pending", &pending),
        ],
    );
    view! {
        <p class="le-muted">{r.offer.clone()}</p>
        <p class="le-muted">{t.refer_link}</p>
        <p><code class="le-refer-link">{r.url.clone()}</code></p>
        <CopyButton text=r.url.clone() label=t.copy_link class="le-secondary le-copy-link"/>
        <p class="le-refer-counts">{counts}</p>
    }
}
