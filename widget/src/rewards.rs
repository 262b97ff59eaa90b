//! The catalog as this member sees it, redemption with a confirmation
//! step, and the coupon that results.

use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::program::format_money;
use loyalty_core::reward::RewardKind;
use loyalty_core::wire::{RedeemRequest, RedemptionReceipt, RewardOffer};
use serde::Serialize;

use crate::api;
use crate::panel::Failure;
use crate::state::use_state;
use crate::text::{day, fill};

/// Where one reward's redemption stands.
#[derive(Clone, PartialEq, Eq)]
enum Stage {
    Idle,
    /// Asking to confirm; the key is this confirmation's Idempotency-Key.
    Confirm(String),
    Busy,
    Failed(String),
}

/// The member's rewards.
#[component]
pub fn Rewards() -> impl IntoView {
    let s = use_state();
    view! {
        <Transition fallback=move || view! { <p class="le-muted">{s.text.loading}</p> }>
            {move || s.offers.get().map(|r| match r {
                Ok(Some(o)) => view! {
                    <ul class="le-rewards">
                        {o.rewards.into_iter().map(|offer| view! { <RewardCard offer/> }).collect_view()}
                    </ul>
                }.into_any(),
                Ok(None) => ().into_any(),
                Err(e) => view! {
                    <Failure message=s.text.error(&e.code, &e.message) retry=Callback::new(move |_| s.offers.refetch())/>
                }.into_any(),
            })}
        </Transition>
    }
}

#[derive(Serialize)]
struct RedeemedDetail<'a> {
    code: &'a str,
    reward_id: &'a str,
    redemption_id: &'a str,
    discount: &'a loyalty_core::coupon::Discount,
    expires_at: Option<String>,
    min_order_minor: i64,
}

/// One reward: what it costs, whether the member can have it, and why not.
#[component]
fn RewardCard(offer: RewardOffer) -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let stage = RwSignal::new(Stage::Idle);
    let r = offer.reward.clone();
    let status = if !offer.eligible {
        offer.reason.clone().unwrap_or_else(|| t.not_eligible.to_owned())
    } else if !offer.affordable {
        fill(t.need_more, &[("n", &offer.points_needed.to_string())])
    } else {
        t.redeemable.to_owned()
    };
    let can_redeem = offer.eligible && offer.affordable;
    let (reward_id, name, cost) = (r.reward_id.clone(), r.name.clone(), r.points_cost);

    let redeem = move |key: String| {
        stage.set(Stage::Busy);
        let reward_id = reward_id.clone();
        let name = name.clone();
        spawn_local(async move {
            let body = serde_wasm_bindgen::to_value(&RedeemRequest { reward_id })
                .ok()
                .and_then(|v| js_sys::JSON::stringify(&v).ok())
                .map(String::from)
                .unwrap_or_default();
            let token = s.token.get_untracked();
            let result =
                api::post::<RedemptionReceipt>(&s.api.get_value(), "/v1/me/redemptions", token.as_deref(), body, &key)
                    .await;
            match result {
                Ok(receipt) => {
                    s.live.set(fill(t.redeemed_live, &[("name", &name), ("code", &receipt.coupon.code)]));
                    let detail = RedeemedDetail {
                        code: &receipt.coupon.code,
                        reward_id: &receipt.reward_id,
                        redemption_id: &receipt.redemption_id,
                        discount: &receipt.coupon.discount,
                        expires_at: receipt.coupon.expires_at.map(|x| x.to_rfc3339()),
                        min_order_minor: receipt.coupon.min_order_minor,
                    };
                    let js = detail.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or_default();
                    s.emit("loyalty:redeemed", &js);
                    s.last_coupon.set(Some(receipt));
                    stage.set(Stage::Idle);
                    s.refresh();
                }
                Err(e) => {
                    stage.set(Stage::Failed(t.error(&e.code, &e.message)));
                    s.fail(&e);
                }
            }
        });
    };

    let actions = move || match stage.get() {
        Stage::Idle | Stage::Failed(_) => view! {
            <button class="le-primary" disabled=!can_redeem
                on:click=move |_| stage.set(Stage::Confirm(api::new_key()))>{t.redeem}</button>
        }
        .into_any(),
        Stage::Confirm(key) => {
            let redeem = redeem.clone();
            let question = fill(t.confirm, &[("points", &cost.to_string()), ("name", &r.name)]);
            let label = question.clone();
            view! {
                <div class="le-confirm" role="group" aria-label=label>
                    <p>{question}</p>
                    <button class="le-primary le-confirm-yes" on:click=move |_| redeem(key.clone())>{t.confirm_yes}</button>
                    <button class="le-secondary" on:click=move |_| stage.set(Stage::Idle)>{t.cancel}</button>
                </div>
            }
            .into_any()
        }
        Stage::Busy => view! { <button class="le-primary" disabled=true>{t.redeeming}</button> }.into_any(),
    };
    let failure = move || match stage.get() {
        Stage::Failed(m) => Some(view! { <p class="le-error" role="alert">{m}</p> }),
        _ => None,
    };
    view! {
        <li class="le-reward" class:le-locked=!can_redeem data-reward-id=offer.reward.reward_id.clone()>
            <div class="le-reward-head">
                <strong>{offer.reward.name.clone()}</strong>
                <span class="le-cost">{fill(t.cost, &[("n", &offer.reward.points_cost.to_string())])}</span>
            </div>
            <p class="le-muted">{offer.reward.description.clone()}</p>
            <p class="le-status">{status}</p>
            {actions}
            {failure}
        </li>
    }
}

/// The latest coupon, with a copy button.
#[component]
pub fn CouponView() -> impl IntoView {
    let s = use_state();
    let t = s.text;
    let copied = RwSignal::new(false);
    move || {
        s.last_coupon.get().map(|r| {
            let code = r.coupon.code.clone();
            let copy = move |_| {
                let code = code.clone();
                spawn_local(async move {
                    if copy_text(&code).await {
                        copied.set(true);
                    }
                });
            };
            let expires = r.coupon.expires_at.map(|x| {
                let d = x.to_rfc3339();
                fill(t.expires, &[("date", day(&d))])
            });
            let min = (r.coupon.min_order_minor > 0)
                .then(|| {
                    r.coupon.discount.currency.as_deref().map(|c| fill(t.min_order, &[("n", &format_money(r.coupon.min_order_minor, c))]))
                })
                .flatten();
            let what = match (r.coupon.discount.kind, r.coupon.discount.amount_minor, &r.coupon.discount.currency) {
                (RewardKind::FixedAmountDiscount, Some(a), Some(c)) => fill(t.amount_off, &[("n", &format_money(a, c))]),
                (RewardKind::PercentageDiscount, _, _) => {
                    fill(t.amount_off, &[("n", &format!("{}%", r.coupon.discount.percent.unwrap_or(0)))])
                }
                (RewardKind::FreeShipping, _, _) => t.free_shipping.to_owned(),
                (RewardKind::FreeProduct, _, _) => t.free_product.to_owned(),
                _ => String::new(),
            };
            view! {
                <div class="le-coupon" role="group" aria-label=t.your_code>
                    <p class="le-muted">{t.your_code}" · "{what}</p>
                    <p><code class="le-code" data-testid="coupon-code">{r.coupon.code.clone()}</code></p>
                    <button class="le-secondary le-copy" on:click=copy>{move || if copied.get() { t.copied } else { t.copy }}</button>
                    {expires.map(|e| view! { <p class="le-muted">{e}</p> })}
                    {min.map(|m| view! { <p class="le-muted">{m}</p> })}
                </div>
            }
        })
    }
}

/// Copies through the async Clipboard API (reached by reflection so the
/// widget does not depend on web-sys's unstable clipboard bindings).
async fn copy_text(text: &str) -> bool {
    use wasm_bindgen::JsCast;
    let Some(w) = web_sys::window() else {
        return false;
    };
    let nav = w.navigator();
    let Ok(clip) = js_sys::Reflect::get(&nav, &"clipboard".into()) else {
        return false;
    };
    let Ok(write) = js_sys::Reflect::get(&clip, &"writeText".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return false;
    };
    let Ok(promise) = write.call1(&clip, &text.into()) else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await.is_ok()
}
