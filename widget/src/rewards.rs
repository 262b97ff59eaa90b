//! The catalog as this member sees it, redemption with a confirmation
//! step, and the coupon that results.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::wire::{RedeemRequest, RedeemedEvent, RedemptionReceipt, RewardOffer, RewardView, ShopperOffers};

use crate::api;
use crate::panel::loaded;
use crate::state::use_state;
use crate::text::{day, fill, number};

/// The member's rewards.
#[component]
pub fn Rewards() -> impl IntoView {
    let s = use_state();
    // Built whole with each answer (see `loaded`): a card's verdict and
    // figures are its props, so a new answer is a new card.
    loaded(
        s.offers,
        move || s.refresh(),
        |offers: &ShopperOffers| {
            let cards = offers
                .rewards
                .iter()
                .map(|offer| view! { <RewardCard offer=offer.clone()/> }.into_any())
                .collect_view();
            view! { <ul class="le-rewards">{cards}</ul> }
        },
    )
}

/// A reward's name and cost, as a guest and a member see them.
#[component]
pub fn RewardHead(name: String, cost: i64) -> impl IntoView {
    let s = use_state();
    view! {
        <div class="le-reward-head">
            <strong>{name}</strong>
            <span class="le-cost">{move || s.points(cost)}</span>
        </div>
    }
}

/// Where one reward's redemption stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// The Redeem button, enabled if the member can have the reward.
    Idle,
    /// The shopper is asked to confirm; the key is this confirmation's
    /// Idempotency-Key, so a double click redeems once.
    Confirming(String),
    /// The request is on its way.
    Busy,
    /// The last attempt failed, for this reason (in words).
    Refused(String),
}

/// One reward: what it costs, whether the member can have it, and why not.
#[component]
fn RewardCard(offer: RewardOffer<RewardView>) -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let stage = RwSignal::new(Stage::Idle);
    let needs_details = offer.reward.needs_details;
    let can_redeem = offer.eligible && offer.affordable && !needs_details;
    let needed = offer.points_needed;
    let status = move || {
        if needs_details && offer.eligible {
            t.needs_details.to_owned()
        } else if !offer.eligible {
            offer.reason.clone().unwrap_or_else(|| t.not_eligible.to_owned())
        } else if !offer.affordable {
            fill(t.need_more, &[("n", &number(needed, t)), ("unit", &s.unit(needed))])
        } else {
            t.redeemable.to_owned()
        }
    };
    let RewardView { reward_id, name, description, points_cost, image_url, confirm_text, .. } = offer.reward;

    // Each step replaces the buttons on screen, so focus is moved on by
    // hand, or a keyboard user would be sent back to the top of the page:
    // to Confirm when asked, back to Redeem after Cancel or a failure (the
    // coupon's Copy button takes it after a success).
    let redeem_button = NodeRef::<html::Button>::new();
    let confirm_button = NodeRef::<html::Button>::new();
    let refocus = StoredValue::new(false);
    Effect::new(move |_| {
        if let Some(b) = confirm_button.get() {
            let _ = b.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(b) = redeem_button.get() {
            if refocus.get_value() {
                refocus.set_value(false);
                let _ = b.focus();
            }
        }
    });

    let redeem = {
        let (reward_id, name) = (reward_id.clone(), name.clone());
        move |key: String| {
            stage.set(Stage::Busy);
            let body = RedeemRequest { reward_id: reward_id.clone(), attributes: Default::default() };
            let name = name.clone();
            spawn_local(async move {
                let token = s.token_untracked();
                let result =
                    s.api().post::<_, RedemptionReceipt>("/v1/me/redemptions", token.as_deref(), &body, &key).await;
                match result {
                    Ok(receipt) => {
                        s.live.set(fill(t.redeemed_live, &[("name", &name), ("code", &receipt.coupon.code)]));
                        s.emit("loyalty:redeemed", &RedeemedEvent::from(&receipt));
                        s.fresh_coupon.set_value(true);
                        s.last_coupon.set(Some(receipt));
                        stage.set(Stage::Idle);
                        s.refresh();
                    }
                    Err(e) => {
                        refocus.set_value(true);
                        stage.set(Stage::Refused(t.error(&e.code, &e.message)));
                        // The card may be rebuilt by the refresh that
                        // follows; the live region above keeps the words.
                        s.fail(&e);
                    }
                }
            });
        }
    };

    // The picture's text alternative is the reward's name.
    let picture = image_url.map(|src| view! { <img class="le-reward-img" src=src alt=name.clone() loading="lazy"/> });
    let head = view! { <RewardHead name=name.clone() cost=points_cost/> };
    let actions = move || match stage.get() {
        Stage::Confirming(key) => {
            let question = fill(t.confirm, &[("points", &s.points(points_cost)), ("name", &name)]);
            let label = question.clone();
            let redeem = redeem.clone();
            view! {
                <div class="le-confirm" role="group" aria-label=label>
                    <p>{question}</p>
                    // The merchant's own words, as text (never markup).
                    {confirm_text.clone().map(|c| view! { <p class="le-muted">{c}</p> })}
                    <button class="le-primary le-confirm-yes" node_ref=confirm_button
                        on:click=move |_| redeem(key.clone())>{t.confirm_yes}</button>
                    <button class="le-secondary" on:click=move |_| {
                        refocus.set_value(true);
                        stage.set(Stage::Idle);
                    }>{t.cancel}</button>
                </div>
            }
            .into_any()
        }
        other => {
            let busy = other == Stage::Busy;
            let refused = match other {
                Stage::Refused(why) => Some(why),
                _ => None,
            };
            view! {
                <button class="le-primary" node_ref=redeem_button disabled=busy || !can_redeem
                    on:click=move |_| stage.set(Stage::Confirming(api::new_key()))>
                    {if busy { t.redeeming } else { t.redeem }}
                </button>
                {refused.map(|why| view! { <p class="le-error" role="alert">{why}</p> })}
            }
            .into_any()
        }
    };
    view! {
        <li class="le-reward" class:le-locked=!can_redeem data-reward-id=reward_id>
            {picture}
            {head}
            <p class="le-muted">{description}</p>
            <p class="le-status">{status}</p>
            {actions}
        </li>
    }
}

/// The latest coupon, with a copy button.
#[component]
pub fn CouponView() -> impl IntoView {
    let s = use_state();
    let t = s.text;
    move || {
        let receipt = s.last_coupon.get()?;
        let copy_button = NodeRef::<html::Button>::new();
        // A new coupon takes focus: the shopper's next step is to copy it.
        Effect::new(move |_| {
            if let Some(b) = copy_button.get() {
                if s.fresh_coupon.get_value() {
                    s.fresh_coupon.set_value(false);
                    let _ = b.focus();
                }
            }
        });
        let c = receipt.coupon;
        // What it gives and its minimum order come worded by core, in the
        // widget's language, as the API words them for a store's checkout;
        // the expiry is an instant, dated here in the shopper's time zone.
        let expires = c.expires_at.map(|at| fill(t.expires, &[("date", &day(at, t))]));
        Some(view! {
            <div class="le-coupon" role="group" aria-label=t.your_code>
                <p class="le-muted">{t.your_code}" · "{c.offer}</p>
                <p><code class="le-code">{c.code.clone()}</code></p>
                {expires.map(|e| view! { <p class="le-muted">{e}</p> })}
                {c.min_order.map(|m| view! { <p class="le-muted">{m}</p> })}
                <CopyButton text=c.code label=t.copy class="le-secondary le-copy" node=copy_button/>
                {receipt.after_text.map(|a| view! { <p class="le-after">{a}</p> })}
            </div>
        })
    }
}

/// A button that copies `text` with the async Clipboard API and says
/// "Copied" once the browser did (an insecure page has no
/// `navigator.clipboard`: the label stays).
#[component]
pub fn CopyButton(
    text: String,
    label: &'static str,
    class: &'static str,
    #[prop(optional)] node: NodeRef<html::Button>,
) -> impl IntoView {
    let t = use_state().text;
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let text = text.clone();
        spawn_local(async move {
            let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return };
            let has_clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).is_ok_and(|c| !c.is_undefined());
            if has_clipboard
                && wasm_bindgen_futures::JsFuture::from(navigator.clipboard().write_text(&text)).await.is_ok()
            {
                copied.set(true);
            }
        });
    };
    view! {
        <button class=class node_ref=node on:click=copy>{move || if copied.get() { t.copied } else { label }}</button>
    }
}
