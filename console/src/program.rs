//! Program: the earn rules, bonuses, tiers, expiry and pending days as a
//! form, checked by core's `Program::validate` at every keystroke and
//! saved with `PUT /v1/program`. What the form does not edit (campaigns,
//! activities, category rates, exclusions, referral, points value) is
//! kept as loaded, and listed, so saving never drops it.

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::error::Issue;
use loyalty_core::program::{BonusEvent, BonusRule, Program, TierBasis, TierRule, TierWindow};

use crate::api::{self, ApiError};
use crate::ui::{self, FieldError, Load, TextField};

/// The page.
#[component]
pub fn ProgramPage() -> impl IntoView {
    let state = RwSignal::new(Load::<Program>::Loading);
    let fetch = move || ui::load(state, || api::get::<Program>("/v1/program/config"));
    fetch();
    view! {
        <h1>"Program"</h1>
        {ui::show(state, fetch, |p| view! { <Form p/> }.into_any())}
    }
}

/// A tier row being typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TierDraft {
    key: u32,
    name: RwSignal<String>,
    threshold: RwSignal<String>,
    multiplier: RwSignal<String>,
    /// Kept as loaded: the form does not edit it.
    entry_reward_id: StoredValue<Option<String>>,
}

/// A bonus row being typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BonusDraft {
    key: u32,
    event: RwSignal<String>,
    points: RwSignal<String>,
    cap: RwSignal<String>,
}

fn parse<T: std::str::FromStr>(text: &str, path: String, issues: &mut Vec<Issue>) -> Option<T> {
    match text.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => {
            issues.push(Issue::new(path, "must be a whole number"));
            None
        }
    }
}

fn optional<T: std::str::FromStr>(text: &str, path: String, issues: &mut Vec<Issue>) -> Option<T> {
    if text.trim().is_empty() {
        None
    } else {
        parse(text, path, issues)
    }
}

#[component]
fn Form(p: Program) -> impl IntoView {
    let base = StoredValue::new(p.clone());
    let name = RwSignal::new(p.name.clone());
    let points_name = RwSignal::new(p.points_name.clone());
    let currency = RwSignal::new(p.currency.clone());
    let rate_points = RwSignal::new(p.earn.purchase.points.to_string());
    let rate_per = RwSignal::new(p.earn.purchase.per_amount_minor.to_string());
    let pending = RwSignal::new(p.pending_days.to_string());
    let expiry = RwSignal::new(p.expiry_days.map(|d| d.to_string()).unwrap_or_default());
    let warning = RwSignal::new(p.expiry_warning_days.to_string());
    let basis = RwSignal::new(p.tier_basis);
    let window = RwSignal::new(p.tier_window);
    let grace = RwSignal::new(p.tier_grace_days.to_string());
    let next = StoredValue::new(0u32);
    let key = move || {
        let k = next.get_value();
        next.set_value(k + 1);
        k
    };
    let tier_draft = move |t: &TierRule| TierDraft {
        key: key(),
        name: RwSignal::new(t.name.clone()),
        threshold: RwSignal::new(t.threshold.to_string()),
        multiplier: RwSignal::new(t.multiplier_percent.to_string()),
        entry_reward_id: StoredValue::new(t.entry_reward_id.clone()),
    };
    let tiers = RwSignal::new(p.tiers.iter().map(tier_draft).collect::<Vec<_>>());
    let bonus_draft = move |b: &BonusRule| BonusDraft {
        key: key(),
        event: RwSignal::new(b.event.as_str().to_owned()),
        points: RwSignal::new(b.points.to_string()),
        cap: RwSignal::new(b.per_member_cap.map(|c| c.to_string()).unwrap_or_default()),
    };
    let bonuses = RwSignal::new(p.earn.bonuses.iter().map(bonus_draft).collect::<Vec<_>>());

    let draft = Memo::new(move |_| {
        let mut issues = Vec::new();
        let mut program = base.get_value();
        program.name = name.get();
        program.points_name = points_name.get();
        program.currency = currency.get().trim().to_owned();
        program.earn.purchase.points =
            parse(&rate_points.get(), "earn.purchase.points".into(), &mut issues).unwrap_or(0);
        program.earn.purchase.per_amount_minor =
            parse(&rate_per.get(), "earn.purchase.per_amount_minor".into(), &mut issues).unwrap_or(0);
        program.pending_days = parse(&pending.get(), "pending_days".into(), &mut issues).unwrap_or(0);
        program.expiry_days = optional(&expiry.get(), "expiry_days".into(), &mut issues);
        program.expiry_warning_days = parse(&warning.get(), "expiry_warning_days".into(), &mut issues).unwrap_or(0);
        program.tier_basis = basis.get();
        program.tier_window = window.get();
        program.tier_grace_days = parse(&grace.get(), "tier_grace_days".into(), &mut issues).unwrap_or(0);
        program.tiers = tiers
            .get()
            .iter()
            .enumerate()
            .map(|(i, t)| TierRule {
                name: t.name.get(),
                threshold: parse(&t.threshold.get(), format!("tiers[{i}].threshold"), &mut issues).unwrap_or(0),
                multiplier_percent: parse(&t.multiplier.get(), format!("tiers[{i}].multiplier_percent"), &mut issues)
                    .unwrap_or(100),
                entry_reward_id: t.entry_reward_id.get_value(),
            })
            .collect();
        program.earn.bonuses = bonuses
            .get()
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let event = BonusEvent::parse(&b.event.get());
                if event.is_none() {
                    issues.push(Issue::new(format!("earn.bonuses[{i}].event"), "choose an event"));
                }
                Some(BonusRule {
                    event: event?,
                    points: parse(&b.points.get(), format!("earn.bonuses[{i}].points"), &mut issues).unwrap_or(0),
                    per_member_cap: optional(&b.cap.get(), format!("earn.bonuses[{i}].per_member_cap"), &mut issues),
                })
            })
            .collect();
        if let Err(e) = program.validate() {
            issues.extend(ui::issues_of(&e));
        }
        (program, issues)
    });
    let issues = Signal::derive(move || draft.with(|d| d.1.clone()));
    let saving = RwSignal::new(None::<Result<String, ApiError>>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (program, found) = draft.get_untracked();
        if !found.is_empty() {
            saving.set(Some(Err(ApiError {
                code: "invalid_request".into(),
                message: format!("{} problem(s) to fix first, shown at their fields", found.len()),
            })));
            return;
        }
        spawn_local(async move {
            match api::send::<_, Program>(Method::PUT, "/v1/program", Some(&program), false).await {
                Ok(saved) => {
                    base.set_value(saved);
                    saving.set(Some(Ok("Program saved.".into())));
                }
                Err(e) => saving.set(Some(Err(e))),
            }
        });
    };
    let kept = {
        let mut kept = Vec::new();
        if !p.campaigns.is_empty() {
            kept.push(format!("{} campaign(s)", p.campaigns.len()));
        }
        if !p.activities.is_empty() {
            kept.push(format!("{} activity(ies)", p.activities.len()));
        }
        if !p.earn.category_rates.is_empty() {
            kept.push(format!("{} category rate(s)", p.earn.category_rates.len()));
        }
        if !p.earn.exclusions.is_empty() {
            kept.push("exclusions".to_owned());
        }
        if p.referral.is_some() {
            kept.push("the referral offer".to_owned());
        }
        if p.points_value.is_some() {
            kept.push("the points' value".to_owned());
        }
        kept
    };
    let problems = move || issues.get().len();
    view! {
        <form class="editor" on:submit=save novalidate>
            <fieldset>
                <legend>"Program"</legend>
                <div class="grid">
                    <TextField label="Name" id="p-name" value=name issues path="name"/>
                    <TextField label="Points are called" id="p-points-name" value=points_name issues path="points_name"/>
                    <TextField label="Currency" id="p-currency" value=currency issues path="currency" hint="ISO 4217, e.g. USD"/>
                </div>
            </fieldset>
            <fieldset>
                <legend>"Earning"</legend>
                <div class="grid">
                    <TextField label="Points" id="p-rate-points" value=rate_points issues path="earn.purchase.points" kind="number"/>
                    <TextField label="Per amount spent (minor units)" id="p-rate-per" value=rate_per issues
                        path="earn.purchase.per_amount_minor" kind="number"/>
                    <TextField label="Pending days" id="p-pending" value=pending issues path="pending_days" kind="number"
                        hint="Days purchase points wait before they can be spent (returns)."/>
                    <TextField label="Points expire after (days; blank: never)" id="p-expiry" value=expiry issues
                        path="expiry_days" kind="number"/>
                    <TextField label="Warn before expiry (days)" id="p-warning" value=warning issues
                        path="expiry_warning_days" kind="number"/>
                </div>
                <table class="list rows">
                    <caption>"Bonuses"</caption>
                    <thead>
                        <tr><th scope="col">"Event"</th><th scope="col">"Points"</th><th scope="col">"Per member (blank: no cap)"</th><th scope="col"><span class="sr-only">"Remove"</span></th></tr>
                    </thead>
                    <tbody>
                        <For each={move || bonuses.get().into_iter().enumerate().collect::<Vec<_>>()} key=|(i, b)| (*i, b.key) let:item>
                            <BonusRow index=item.0 b=item.1 bonuses issues/>
                        </For>
                    </tbody>
                </table>
                <button type="button" on:click=move |_| {
                    let b = BonusDraft { key: key(), event: RwSignal::new("review".into()), points: RwSignal::new("50".into()), cap: RwSignal::new(String::new()) };
                    bonuses.update(|bs| bs.push(b));
                }>"Add a bonus"</button>
            </fieldset>
            <fieldset>
                <legend>"Tiers"</legend>
                <div class="grid">
                    <div class="field">
                        <label for="p-basis">"Thresholds count"</label>
                        <select id="p-basis" on:change=move |ev| {
                            basis.set(api::from_name(&event_target_value(&ev)).unwrap_or_default())
                        }>
                            <option value="lifetime_points" selected=move || basis.get() == TierBasis::LifetimePoints>"Points earned"</option>
                            <option value="lifetime_spend" selected=move || basis.get() == TierBasis::LifetimeSpend>"Amount spent (minor units)"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="p-window">"Over"</label>
                        <select id="p-window" on:change=move |ev| {
                            window.set(api::from_name(&event_target_value(&ev)).unwrap_or_default())
                        }>
                            {[TierWindow::Lifetime, TierWindow::Rolling12Months, TierWindow::CalendarYear]
                                .into_iter()
                                .map(|w| {
                                    let label = match w {
                                        TierWindow::Lifetime => "The member's lifetime",
                                        TierWindow::Rolling12Months => "The last 12 months",
                                        TierWindow::CalendarYear => "The calendar year",
                                    };
                                    view! { <option value=w.as_str() selected=move || window.get() == w>{label}</option> }.into_any()
                                })
                                .collect_view()}
                        </select>
                        <FieldError issues path="tier_window" id="p-window"/>
                    </div>
                    <TextField label="Grace days before moving down" id="p-grace" value=grace issues path="tier_grace_days" kind="number"/>
                </div>
                <table class="list rows">
                    <caption>"Tiers, lowest first"</caption>
                    <thead>
                        <tr><th scope="col">"Name"</th><th scope="col">"Threshold"</th><th scope="col">"Earn multiplier (%)"</th><th scope="col"><span class="sr-only">"Remove"</span></th></tr>
                    </thead>
                    <tbody>
                        <For each={move || tiers.get().into_iter().enumerate().collect::<Vec<_>>()} key=|(i, t)| (*i, t.key) let:item>
                            <TierRow index=item.0 t=item.1 tiers issues/>
                        </For>
                    </tbody>
                </table>
                <FieldError issues path="tiers" id="p-tiers"/>
                <button type="button" on:click=move |_| {
                    let t = TierDraft { key: key(), name: RwSignal::new(String::new()), threshold: RwSignal::new(String::new()), multiplier: RwSignal::new("100".into()), entry_reward_id: StoredValue::new(None) };
                    tiers.update(|ts| ts.push(t));
                }>"Add a tier"</button>
            </fieldset>
            {(!kept.is_empty())
                .then(|| {
                    view! { <p class="muted">{format!("Kept as they are (edited through the API): {}.", kept.join(", "))}</p> }
                })}
            <div class="row">
                <button type="submit">"Save program"</button>
                <span role="status" class="muted">
                    {move || match problems() {
                        0 => "Core finds no problem.".to_owned(),
                        n => format!("{n} problem(s) to fix, shown at their fields."),
                    }}
                </span>
            </div>
            {move || match saving.get() {
                None => ().into_any(),
                Some(Ok(m)) => view! { <p role="status" class="ok">{m}</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert" class="error">{ui::sentence(&e)}</p> }.into_any(),
            }}
        </form>
    }
}

/// One input of a row, with core's messages at `path` under it.
#[component]
fn Cell(value: RwSignal<String>, label: String, path: String, issues: Signal<Vec<Issue>>) -> impl IntoView {
    let id = path.replace(['[', ']', '.'], "-");
    let messages = {
        let path = path.clone();
        move || ui::at(&issues.get(), &path).join("; ")
    };
    let invalid = {
        let m = messages.clone();
        move || (!m().is_empty()).then_some("true")
    };
    view! {
        <td>
            <input
                id=id.clone()
                aria-label=label
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=invalid
                aria-describedby=format!("{id}-error")
            />
            <p class="field-error" id=format!("{id}-error")>{messages}</p>
        </td>
    }
}

#[component]
fn TierRow(index: usize, t: TierDraft, tiers: RwSignal<Vec<TierDraft>>, issues: Signal<Vec<Issue>>) -> impl IntoView {
    let n = index + 1;
    view! {
        <tr>
            <Cell value=t.name label=format!("Tier {n}: name") path=format!("tiers[{index}].name") issues/>
            <Cell value=t.threshold label=format!("Tier {n}: threshold") path=format!("tiers[{index}].threshold") issues/>
            <Cell value=t.multiplier label=format!("Tier {n}: earn multiplier") path=format!("tiers[{index}].multiplier_percent") issues/>
            <td>
                <button type="button" class="link danger" on:click=move |_| tiers.update(|ts| ts.retain(|x| x.key != t.key))>
                    {format!("Remove tier {n}")}
                </button>
            </td>
        </tr>
    }
}

#[component]
fn BonusRow(
    index: usize,
    b: BonusDraft,
    bonuses: RwSignal<Vec<BonusDraft>>,
    issues: Signal<Vec<Issue>>,
) -> impl IntoView {
    let n = index + 1;
    let path = format!("earn.bonuses[{index}].event");
    let event_error = move || ui::at(&issues.get(), &path).join("; ");
    view! {
        <tr>
            <td>
                <select aria-label=format!("Bonus {n}: event") on:change=move |ev| b.event.set(event_target_value(&ev))>
                    {["signup", "birthday", "review", "referral"]
                        .into_iter()
                        .map(|e| view! { <option value=e selected=move || b.event.get() == e>{e}</option> }.into_any())
                        .collect_view()}
                </select>
                <p class="field-error">{event_error}</p>
            </td>
            <Cell value=b.points label=format!("Bonus {n}: points") path=format!("earn.bonuses[{index}].points") issues/>
            <Cell value=b.cap label=format!("Bonus {n}: per member") path=format!("earn.bonuses[{index}].per_member_cap") issues/>
            <td>
                <button type="button" class="link danger" on:click=move |_| bonuses.update(|bs| bs.retain(|x| x.key != b.key))>
                    {format!("Remove bonus {n}")}
                </button>
            </td>
        </tr>
    }
}
