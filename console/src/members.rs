//! Members: search, one member's standing, ledger, codes and attributes,
//! and what can be done for them: adjust points, redeem on their behalf,
//! export their data, erase them.

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::wire::{
    AdjustmentRequest, Erased, MemberCoupons, MemberDetail, MemberExport, MemberList, RedeemRequest, RedemptionReceipt,
    RewardOffers, Transaction, TransactionPage,
};

use crate::api::{self, seg, ApiError};
use crate::ui::{self, format_time, int, Load};

/// The page: the search on the left, the member chosen on the right.
#[component]
pub fn Members() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Load::<MemberList>::Loading);
    let chosen = RwSignal::new(None::<String>);
    // What the last action on a member did: it outlives the reload the
    // action causes, and an erasure's closing of the member.
    let outcome = RwSignal::new(Outcome::Idle);
    let search = move || {
        let q = query.get_untracked();
        ui::load(results, move || async move {
            let path = if q.trim().is_empty() {
                "/v1/members?limit=25".to_owned()
            } else {
                format!("/v1/members?limit=25&q={}", seg(q.trim()))
            };
            api::get::<MemberList>(&path).await
        });
    };
    search();
    view! {
        <h1>"Members"</h1>
        <div class="split">
            <section aria-labelledby="search-title">
                <h2 id="search-title">"Find a member"</h2>
                <form
                    role="search"
                    on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        search();
                    }
                >
                    <label for="member-q">"Customer id, e-mail or tag:NAME"</label>
                    <div class="row">
                        <input
                            id="member-q"
                            type="search"
                            prop:value=move || query.get()
                            on:input=move |ev| query.set(event_target_value(&ev))
                        />
                        <button type="submit">"Search"</button>
                    </div>
                </form>
                {ui::show(
                    results,
                    search,
                    move |list| {
                        if list.members.is_empty() {
                            return view! { <p class="muted">"No member matches."</p> }.into_any();
                        }
                        view! {
                            <table class="list">
                                <thead>
                                    <tr>
                                        <th scope="col">"Customer"</th>
                                        <th scope="col" class="num">"Balance"</th>
                                        <th scope="col">"Tier"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.members.into_iter().map(|m| view! { <MemberRow m chosen outcome/> }.into_any()).collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any()
                    },
                )}
            </section>
            <section aria-label="Member">
                {outcome_view(outcome)}
                {move || match chosen.get() {
                    None => view! { <p class="muted">"Choose a member to see their account."</p> }.into_any(),
                    Some(id) => view! { <Member id chosen outcome/> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn MemberRow(m: MemberDetail, chosen: RwSignal<Option<String>>, outcome: RwSignal<Outcome>) -> impl IntoView {
    let id = m.summary.customer_id.clone();
    let label = match &m.email {
        Some(e) => format!("{id} ({e})"),
        None => id.clone(),
    };
    let pick = id.clone();
    view! {
        <tr>
            <td>
                <button
                    type="button"
                    class="link"
                    aria-pressed=move || (chosen.get().as_deref() == Some(id.as_str())).to_string()
                    on:click=move |_| {
                        outcome.set(Outcome::Idle);
                        chosen.set(Some(pick.clone()));
                    }
                >
                    {label}
                </button>
            </td>
            <td class="num">{int(m.summary.balance)}</td>
            <td>{m.summary.tier.clone().unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}

/// Everything about one member.
#[derive(Clone, Debug, PartialEq)]
struct Account {
    detail: MemberDetail,
    ledger: TransactionPage,
    coupons: MemberCoupons,
    offers: RewardOffers,
}

async fn account(id: &str) -> Result<Account, ApiError> {
    let base = format!("/v1/members/{}", seg(id));
    Ok(Account {
        detail: api::get(&base).await?,
        ledger: api::get(&format!("{base}/transactions?limit=50")).await?,
        coupons: api::get(&format!("{base}/coupons")).await?,
        offers: api::get(&format!("{base}/rewards")).await?,
    })
}

#[component]
fn Member(id: String, chosen: RwSignal<Option<String>>, outcome: RwSignal<Outcome>) -> impl IntoView {
    let state = RwSignal::new(Load::<Account>::Loading);
    let id = StoredValue::new(id);
    let fetch = move || {
        let id = id.get_value();
        ui::load(state, move || async move { account(&id).await });
    };
    fetch();
    ui::show(state, fetch, move |a| view! { <AccountView a reload=fetch chosen outcome/> }.into_any())
}

#[component]
fn AccountView(
    a: Account,
    reload: impl Fn() + Clone + Send + Sync + 'static,
    chosen: RwSignal<Option<String>>,
    outcome: RwSignal<Outcome>,
) -> impl IntoView {
    let d = a.detail.clone();
    let id = d.summary.customer_id.clone();
    let attrs = [
        ("E-mail", d.email.clone().unwrap_or_else(|| "—".into())),
        ("Tags", if d.tags.is_empty() { "—".into() } else { d.tags.join(", ") }),
        ("Enrolled", d.enrolled_at.clone().unwrap_or_else(|| "—".into())),
        ("Birthday", d.birthday.clone().unwrap_or_else(|| "—".into())),
    ]
    .into_iter()
    .map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }.into_any())
    .collect_view();
    let standing = [
        ("Balance", int(d.summary.balance)),
        ("Pending", int(d.summary.pending)),
        ("Lifetime earned", int(d.summary.lifetime_earned)),
        ("Tier", d.summary.tier.clone().unwrap_or_else(|| "—".into())),
    ]
    .into_iter()
    .map(|(k, v)| view! { <div class="card"><dt>{k}</dt><dd>{v}</dd></div> }.into_any())
    .collect_view();
    let ledger = a.ledger.transactions.clone();
    let coupons = a.coupons.coupons.clone();
    let offers = a.offers.rewards.clone();
    view! {
        <h2 id="member-title">{format!("Member {id}")}</h2>
        <dl class="cards" aria-label="Standing">{standing}</dl>
        <dl class="attrs" aria-label="Attributes">{attrs}</dl>
        <Adjust id=id.clone() reload=reload.clone() outcome/>
        <h3>"Redeem for this member"</h3>
        <Redeem id=id.clone() offers reload=reload.clone() outcome/>
        <h3>"Codes"</h3>
        <Show
            when={
                let none = coupons.is_empty();
                move || !none
            }
            fallback=|| view! { <p class="muted">"No code waiting to be used."</p> }
        >
            <table class="list">
                <thead><tr><th scope="col">"Code"</th><th scope="col">"Gives"</th><th scope="col">"Until"</th></tr></thead>
                <tbody>
                    {coupons
                        .iter()
                        .map(|c| {
                            view! {
                                <tr>
                                    <td><code>{c.coupon.code.clone()}</code></td>
                                    <td>{c.coupon.offer.clone()}</td>
                                    <td>{c.coupon.expires_at.map(format_time).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }.into_any()
                        })
                        .collect_view()}
                </tbody>
            </table>
        </Show>
        <h3>"Ledger"</h3>
        <table class="list">
            <thead>
                <tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col" class="num">"Points"</th></tr>
            </thead>
            <tbody>
                {ledger
                    .iter()
                    .map(|t| {
                        view! {
                            <tr>
                                <td>{format_time(t.created_at)}</td>
                                <td>{t.description.clone()}</td>
                                <td class="num">{if t.points > 0 { format!("+{}", int(t.points)) } else { int(t.points) }}</td>
                            </tr>
                        }.into_any()
                    })
                    .collect_view()}
            </tbody>
        </table>
        <h3>"Data"</h3>
        <Data id chosen outcome/>
    }
}

/// What an action shows after it is asked for.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Idle,
    Busy,
    Done(String),
    Failed(ApiError),
}

fn outcome_view(o: RwSignal<Outcome>) -> impl IntoView {
    move || match o.get() {
        Outcome::Idle => ().into_any(),
        Outcome::Busy => view! { <p role="status" class="muted">"Working…"</p> }.into_any(),
        Outcome::Done(s) => view! { <p role="status" class="ok">{s}</p> }.into_any(),
        Outcome::Failed(e) => view! { <p role="alert" class="error">{ui::sentence(&e)}</p> }.into_any(),
    }
}

#[component]
fn Adjust(id: String, reload: impl Fn() + Clone + Send + Sync + 'static, outcome: RwSignal<Outcome>) -> impl IntoView {
    let points = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let id = StoredValue::new(id);
    let reload = StoredValue::new(reload);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(n) = points.get_untracked().trim().parse::<i64>() else {
            outcome.set(Outcome::Failed(ApiError {
                code: "invalid_request".into(),
                message: "points must be a whole number, e.g. 250 or -100".into(),
            }));
            return;
        };
        let body = AdjustmentRequest { points: n, reason: reason.get_untracked().trim().to_owned() };
        let path = format!("/v1/members/{}/adjustments", seg(&id.get_value()));
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            match api::send::<_, Transaction>(Method::POST, &path, Some(&body), true).await {
                Ok(t) => {
                    outcome.set(Outcome::Done(format!("Adjusted by {} points.", int(t.points))));
                    points.set(String::new());
                    reason.set(String::new());
                    reload.with_value(|r| r());
                }
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    };
    view! {
        <form class="inline-form" on:submit=submit aria-labelledby="adjust-title">
            <h3 id="adjust-title">"Adjust points"</h3>
            <label for="adjust-points">"Points (negative to take away)"</label>
            <input
                id="adjust-points"
                inputmode="numeric"
                required
                prop:value=move || points.get()
                on:input=move |ev| points.set(event_target_value(&ev))
            />
            <label for="adjust-reason">"Reason (the member sees it)"</label>
            <input
                id="adjust-reason"
                required
                prop:value=move || reason.get()
                on:input=move |ev| reason.set(event_target_value(&ev))
            />
            <button type="submit">"Adjust"</button>
        </form>
    }
}

#[component]
fn Redeem(
    id: String,
    offers: Vec<loyalty_core::wire::RewardOffer>,
    reload: impl Fn() + Clone + Send + Sync + 'static,
    outcome: RwSignal<Outcome>,
) -> impl IntoView {
    let id = StoredValue::new(id);
    let reload = StoredValue::new(reload);
    let redeem = move |reward_id: String| {
        let path = format!("/v1/members/{}/redemptions", seg(&id.get_value()));
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            let body = RedeemRequest { reward_id, attributes: Default::default() };
            match api::send::<_, RedemptionReceipt>(Method::POST, &path, Some(&body), true).await {
                Ok(r) => {
                    outcome.set(Outcome::Done(format!(
                        "Redeemed: code {} ({}); balance now {}.",
                        r.coupon.code,
                        r.coupon.offer,
                        int(r.balance_after)
                    )));
                    reload.with_value(|r| r());
                }
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    };
    view! {
        <ul class="offers">
            {offers
                .into_iter()
                .map(|o| {
                    let reward_id = o.reward.reward_id.clone();
                    let why = if !o.eligible {
                        o.reason.clone().unwrap_or_else(|| "not eligible".into())
                    } else if !o.affordable {
                        format!("{} more points needed", int(o.points_needed))
                    } else {
                        String::new()
                    };
                    let can = o.eligible && o.affordable;
                    view! {
                        <li>
                            <span>{format!("{} · {} points", o.reward.name, int(o.reward.points_cost))}</span>
                            <Show when=move || !can>
                                <span class="muted">{format!(" — {why}")}</span>
                            </Show>
                            <Show when=move || can>
                                <button type="button" on:click={
                                    let r = reward_id.clone();
                                    move |_| redeem(r.clone())
                                }>{format!("Redeem {}", o.reward.name)}</button>
                            </Show>
                        </li>
                    }.into_any()
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn Data(id: String, chosen: RwSignal<Option<String>>, outcome: RwSignal<Outcome>) -> impl IntoView {
    let confirm = RwSignal::new(String::new());
    let id = StoredValue::new(id);
    let export = move |_| {
        let id = id.get_value();
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            match api::get::<MemberExport>(&format!("/v1/members/{}/export", seg(&id))).await {
                Ok(doc) => match api::to_json(&doc, 2) {
                    Ok(text) => {
                        ui::download(&format!("member-{id}.json"), &text);
                        outcome.set(Outcome::Done("Export downloaded.".into()));
                    }
                    Err(e) => outcome.set(Outcome::Failed(e)),
                },
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    };
    let erase = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = id.get_value();
        if confirm.get_untracked() != id {
            outcome.set(Outcome::Failed(ApiError {
                code: "not_confirmed".into(),
                message: "type the customer id exactly to confirm the erasure".into(),
            }));
            return;
        }
        outcome.set(Outcome::Busy);
        spawn_local(async move {
            match api::send::<(), Erased>(Method::DELETE, &format!("/v1/members/{}", seg(&id)), None, false).await {
                Ok(e) => {
                    outcome.set(Outcome::Done(format!("Erased; the ledger keeps them as {}.", e.member_key)));
                    chosen.set(None);
                }
                Err(e) => outcome.set(Outcome::Failed(e)),
            }
        });
    };
    view! {
        <button type="button" on:click=export>"Export this member's data"</button>
        <form class="inline-form danger" on:submit=erase>
            <label for="erase-confirm">"To erase this member, type their customer id"</label>
            <input
                id="erase-confirm"
                autocomplete="off"
                prop:value=move || confirm.get()
                on:input=move |ev| confirm.set(event_target_value(&ev))
            />
            <button type="submit" class="danger">"Erase member"</button>
        </form>
    }
}
