//! The catalog as this member sees it, redemption with a confirmation
//! step, and the coupon that results.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::bind::{bind, text};
use crate::focus::{autofocus, Refocus};
use crate::json::object;
use crate::listen::{click, listen};
use crate::markup::Markup;
use crate::model::{Offer, Receipt, Reward};
use crate::panel::loaded;
use crate::state::{use_state, Load};
use crate::text::{day, fill, number};

/// The member's rewards.
#[component]
pub fn Rewards() -> impl IntoView {
    let s = use_state();
    loaded(s.offers, "/v1/me/rewards", move |j| {
        // The cards word costs with the program's name for points, read
        // untracked inside each card (a component): the list is rebuilt
        // if the program arrives after the rewards.
        s.program.track();
        view! {
            <ul class="le-rewards">
                {j.list("rewards").iter().map(|o| view! { <RewardCard offer=Offer::from(o)/> }).collect::<Vec<_>>()}
            </ul>
        }
        .into_any()
    })
}

/// One reward: what it costs, whether the member can have it, and why not.
#[component]
fn RewardCard(offer: Offer) -> impl IntoView {
    let s = use_state();
    let t = s.text;
    // Where the redemption stands, in signal types the widget already has
    // (an enum of its own was one more copy of Leptos's signal code, 0.3 KB
    // gzip; measured 2026-11-22). `confirm` holds this confirmation's
    // Idempotency-Key while the shopper is asked, `busy` is set while the
    // request is on its way, `refusal` holds the last refusal in words;
    // empty strings for none.
    let confirm = RwSignal::new_local(String::new());
    let busy = RwSignal::new_local(false);
    let refusal = RwSignal::new_local(String::new());
    let r = offer.reward.clone();
    let status = if !offer.eligible {
        offer.reason.clone().unwrap_or_else(|| t.not_eligible.to_owned())
    } else if !offer.affordable {
        fill(t.need_more, &[("n", &number(offer.points_needed, t)), ("unit", &s.unit(offer.points_needed))])
    } else {
        t.redeemable.to_owned()
    };
    let can_redeem = offer.eligible && offer.affordable;
    let (reward_id, name, cost) = (r.id.clone(), r.name.clone(), r.cost);

    // Each step replaces the button that was pressed, so focus is moved on
    // by hand, or a keyboard user would be sent back to the top of the
    // page: to Confirm when asked, back to Redeem after Cancel or a
    // failure (the coupon's Copy button takes it after a success).
    // Read untracked only: a plain cell (see `announced` in panel.rs).
    let refocus: Refocus = RwSignal::new_local(false);

    let redeem = move |key: String| {
        busy.set(true);
        confirm.set(String::new());
        let reward_id = reward_id.clone();
        let name = name.clone();
        spawn_local(async move {
            let body = object(&[("reward_id", reward_id.as_str().into())]);
            let token = s.token_untracked();
            let result =
                api::post(&s.api(), "/v1/me/redemptions", token.as_deref(), &body, &key, s.text.locale).answer().await;
            match result {
                Ok(j) => {
                    let coupon = j.get("coupon");
                    s.live.set(fill(t.redeemed_live, &[("name", &name), ("code", &coupon.str("code"))]));
                    // What a store needs to apply the code to its cart, in
                    // the API's own shapes.
                    let detail = object(&[
                        ("code", coupon.get("code").0),
                        ("reward_id", j.get("reward_id").0),
                        ("redemption_id", j.get("redemption_id").0),
                        ("discount", coupon.get("discount").0),
                        ("expires_at", coupon.get("expires_at").0),
                        ("min_order_minor", coupon.get("min_order_minor").0),
                        ("offer", coupon.get("offer").0),
                    ]);
                    s.emit("loyalty:redeemed", &detail);
                    s.last_coupon.set(Load::Ready(j));
                    busy.set(false);
                    s.refresh();
                }
                Err(e) => {
                    // The button is enabled again before focus is asked
                    // for: a disabled button cannot take it.
                    busy.set(false);
                    refocus.set(true);
                    refusal.set(t.error(&e.code, &e.message));
                    // The card may be rebuilt by the refresh that follows;
                    // the live region above keeps the words.
                    s.fail(&e);
                }
            }
        });
    };

    // Asking to confirm, or else the Redeem button with its state and an
    // optional reason: idle, busy and refused are one view type, not three
    // type-erased views (0.4 KB gzip, measured 2026-11-22), and the button
    // is updated in place rather than replaced as the request goes.
    let actions = move || {
        let key = confirm.get();
        if !key.is_empty() {
            let redeem = redeem.clone();
            let question = fill(t.confirm, &[("points", &s.points(cost)), ("name", &r.name)]);
            let label = question.clone();
            return view! {
                <div class="le-confirm" role="group" aria-label=label>
                    <p>{question}</p>
                    <button class="le-primary le-confirm-yes" use:autofocus=None
                        use:listen=click(move |_| redeem(key.clone()))>{t.confirm_yes}</button>
                    <button class="le-secondary" use:listen=click(move |_| {
                        refocus.set(true);
                        confirm.set(String::new());
                    })>{t.cancel}</button>
                </div>
            }
            .into_any();
        }
        let waiting = busy.get();
        // The last refusal, if any, under the button: one view whether
        // there is one or not (an `Option` view costs 0.1 KB gzip).
        let mut reason = Markup::default();
        let refused = refusal.get();
        if !refused.is_empty() {
            reason.open_with("p", &[("class", "le-error"), ("role", "alert")]).text(&refused).close("p");
        }
        let reason = reason.show("");
        view! {
            <button class="le-primary" disabled=waiting || !can_redeem use:autofocus=Some(refocus)
                use:listen=click(move |_| {
                    refusal.set(String::new());
                    confirm.set(api::new_key());
                })>{if waiting { t.redeeming } else { t.redeem }}</button>
            {reason}
        }
        .into_any()
    };
    let mut h = Markup::default();
    reward_head(&mut h, &offer.reward);
    h.el("p", "le-muted", &offer.reward.description).el("p", "le-status", &status);
    view! {
        <li class=if can_redeem { "le-reward" } else { "le-reward le-locked" } data-reward-id=offer.reward.id.clone()>
            {h.show("")}
            {actions}
        </li>
    }
}

/// A reward's name and cost, as a guest and a member see them.
pub fn reward_head(h: &mut Markup, r: &Reward) {
    let s = use_state();
    h.open("div", "le-reward-head").el("strong", "", &r.name).el("span", "le-cost", &s.points(r.cost)).close("div");
}

/// The latest coupon, with a copy button.
#[component]
pub fn CouponView() -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let copied = RwSignal::new_local(false);
    move || {
        // Type-erased, nothing included: every reactive block of the
        // widget then shares one kind of render effect (an `Option` view
        // here had its own, 0.6 KB gzip; measured 2026-11-22).
        let Load::Ready(j) = s.last_coupon.get() else { return ().into_any() };
        if j.is_null() {
            return ().into_any();
        }
        let r = Receipt::from(&j);
        let code = r.code.clone();
        let copy = move |_| {
            let code = code.clone();
            spawn_local(async move {
                if copy_text(&code).await {
                    copied.set(true);
                }
            });
        };
        // What it gives and its minimum order come worded by core, in the
        // widget's language, as the API words them for a store's checkout;
        // the expiry is a time, dated here in the shopper's time zone.
        let expires = r.expires_at.as_deref().map(|at| fill(t.expires, &[("date", &day(at, t))]));
        let mut h = Markup::default();
        h.el("p", "le-muted", &[t.your_code, " · ", &r.offer].concat())
            .open("p", "")
            .el("code", "le-code", &r.code)
            .close("p");
        for line in [expires, r.min_order].into_iter().flatten() {
            h.el("p", "le-muted", &line);
        }
        view! {
            <div class="le-coupon" role="group" aria-label=t.your_code>
                {h.show("")}
                // A new coupon takes focus: the shopper's next step is to
                // copy it. The label follows `copied` through `bind`.
                <button class="le-secondary le-copy" use:autofocus=None use:listen=click(copy)
                    use:bind=text(move || if copied.get() { t.copied } else { t.copy }.to_owned())>
                </button>
            </div>
        }
        .into_any()
    }
}

/// Copies `text`; whether the browser did.
async fn copy_text(text: &str) -> bool {
    wasm_bindgen_futures::JsFuture::from(crate::browser::copy(text)).await.ok().and_then(|ok| ok.as_bool())
        == Some(true)
}
