//! Rewards: the catalog; a form that creates or edits a reward, checked
//! by core (`Reward::validate`, `Eligibility::parse`) as it is typed; the
//! eligibility rule builder (any of the groups, each all of its
//! conditions) with "who qualifies" for a member, in the words redemption
//! would use; the coupon pool's upload from a CSV file.

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::coupon::codes_from_csv;
use loyalty_core::eligibility::{attribute_names, operators_for, value_from_text, value_to_text, Eligibility};
use loyalty_core::error::Issue;
use loyalty_core::reward::{
    AttributeType, CouponPolicy, DiscountSpec, Limits, Reward, RewardKind, RewardTexts, TransactionAttribute,
};
use loyalty_core::wire::{CouponPoolRequest, MemberDetail, PoolAdded, RewardDetail, RewardList};
use loyalty_core::{Lang, Refusal};
use serde_json::{json, Value as Json};
use wasm_bindgen_futures::JsFuture;

use crate::api::{self, seg, ApiError};
use crate::ui::{self, int, FieldError, Load, TextField};

/// What the page is doing besides listing.
#[derive(Clone, Debug, PartialEq)]
enum Editing {
    None,
    New,
    Existing(Box<Reward>),
}

/// The page.
#[component]
pub fn Rewards() -> impl IntoView {
    let list = RwSignal::new(Load::<RewardList>::Loading);
    let editing = RwSignal::new(Editing::None);
    // Outlives the editor, which a save re-opens on the saved reward.
    let saved = RwSignal::new(None::<String>);
    let fetch = move || ui::load(list, || api::get::<RewardList>("/v1/rewards"));
    fetch();
    view! {
        <div class="page-head">
            <h1>"Rewards"</h1>
            <button type="button" on:click=move |_| {
                saved.set(None);
                editing.set(Editing::New);
            }>"New reward"</button>
        </div>
        <p role="status" class="ok">{move || saved.get()}</p>
        {move || match editing.get() {
            Editing::None => ().into_any(),
            Editing::New => view! { <Editor original=None editing saved reload=fetch/> }.into_any(),
            Editing::Existing(r) => view! { <Editor original=Some(*r) editing saved reload=fetch/> }.into_any(),
        }}
        {ui::show(
            list,
            fetch,
            move |l| {
                view! {
                    <table class="list">
                        <thead>
                            <tr>
                                <th scope="col">"Reward"</th>
                                <th scope="col" class="num">"Cost"</th>
                                <th scope="col">"Kind"</th>
                                <th scope="col">"Who"</th>
                                <th scope="col">"State"</th>
                                <th scope="col"><span class="sr-only">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {l.rewards.into_iter().map(|r| view! {
                                <Row r editing reload=fetch/>
                            }.into_any()).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            },
        )}
    }
}

#[component]
fn Row(r: Reward, editing: RwSignal<Editing>, reload: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let who = if r.eligibility.is_everyone() {
        "Everyone".to_owned()
    } else {
        r.eligibility.groups.iter().map(describe_group).collect::<Vec<_>>().join(" or ")
    };
    let active = r.active;
    let id = StoredValue::new(r.reward_id.clone());
    let edit = {
        let r = r.clone();
        move |_| editing.set(Editing::Existing(Box::new(r.clone())))
    };
    let failure = RwSignal::new(None::<ApiError>);
    let reload = StoredValue::new(reload);
    let deactivate = move |_| {
        let path = format!("/v1/rewards/{}", seg(&id.get_value()));
        spawn_local(async move {
            match api::send::<(), Reward>(Method::DELETE, &path, None, false).await {
                Ok(_) => reload.with_value(|r| r()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <tr>
            <td>{r.name.clone()}<br/><code class="muted">{r.reward_id.clone()}</code></td>
            <td class="num">{int(r.points_cost)}</td>
            <td>{r.kind.as_str()}</td>
            <td>{who}</td>
            <td>{if active { "Active" } else { "Inactive" }}</td>
            <td class="actions">
                <button type="button" on:click=edit aria-label=format!("Edit {}", r.name)>"Edit"</button>
                <Show when=move || active>
                    <button type="button" class="danger" on:click=deactivate aria-label=format!("Deactivate {}", r.name)>
                        "Deactivate"
                    </button>
                </Show>
                {move || failure.get().map(|e| view! { <p role="alert" class="error">{ui::sentence(&e)}</p> })}
            </td>
        </tr>
    }
}

fn describe_group(g: &loyalty_core::eligibility::Group) -> String {
    g.conditions.iter().map(|c| c.describe(Lang::En)).collect::<Vec<_>>().join(" and ")
}

/// One condition being typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cond {
    key: u32,
    attribute: RwSignal<String>,
    operator: RwSignal<String>,
    value: RwSignal<String>,
}

/// One group (all of its conditions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GroupDraft {
    key: u32,
    conds: RwSignal<Vec<Cond>>,
}

/// The rule being typed.
#[derive(Clone, Copy)]
struct Rule {
    groups: RwSignal<Vec<GroupDraft>>,
    next: StoredValue<u32>,
}

impl Rule {
    fn of(e: &Eligibility) -> Rule {
        let rule = Rule { groups: RwSignal::new(Vec::new()), next: StoredValue::new(0) };
        let wire = e.to_json();
        for g in wire.as_array().into_iter().flatten() {
            let group = rule.add_group_empty();
            for c in g["conditions"].as_array().into_iter().flatten() {
                rule.add_condition(
                    group,
                    c["attribute"].as_str().unwrap_or_default(),
                    c["operator"].as_str().unwrap_or_default(),
                    &value_to_text(&c["value"]),
                );
            }
        }
        rule
    }

    fn key(&self) -> u32 {
        let k = self.next.get_value();
        self.next.set_value(k + 1);
        k
    }

    fn add_group_empty(&self) -> GroupDraft {
        let g = GroupDraft { key: self.key(), conds: RwSignal::new(Vec::new()) };
        self.groups.update(|gs| gs.push(g));
        g
    }

    fn add_group(&self) {
        let g = self.add_group_empty();
        self.add_condition(g, "tags", "contains_any", "");
    }

    fn add_condition(&self, g: GroupDraft, attribute: &str, operator: &str, value: &str) {
        let c = Cond {
            key: self.key(),
            attribute: RwSignal::new(attribute.to_owned()),
            operator: RwSignal::new(operator.to_owned()),
            value: RwSignal::new(value.to_owned()),
        };
        g.conds.update(|cs| cs.push(c));
    }

    /// The wire form of what is typed.
    fn to_json(self) -> Json {
        Json::Array(
            self.groups
                .get()
                .iter()
                .map(|g| {
                    let conds: Vec<Json> = g
                        .conds
                        .get()
                        .iter()
                        .map(|c| {
                            let (a, o) = (c.attribute.get(), c.operator.get());
                            let v = value_from_text(&a, &o, &c.value.get());
                            json!({"attribute": a, "operator": o, "value": v})
                        })
                        .collect();
                    json!({"conditions": conds})
                })
                .collect(),
        )
    }
}

fn opt_text<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// A number field: blank is `None`; anything else must read as a number.
fn number<T: std::str::FromStr>(text: &str, path: &str, issues: &mut Vec<Issue>) -> Option<T> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            issues.push(Issue::new(path, "must be a whole number"));
            None
        }
    }
}

#[component]
fn Editor(
    original: Option<Reward>,
    editing: RwSignal<Editing>,
    saved: RwSignal<Option<String>>,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let is_new = original.is_none();
    let r = original.clone().unwrap_or(Reward {
        reward_id: String::new(),
        name: String::new(),
        description: String::new(),
        active: true,
        kind: RewardKind::FixedAmountDiscount,
        points_cost: 500,
        discount: DiscountSpec { amount_minor: Some(500), currency: Some("USD".into()), percent: None, sku: None },
        show_to_guests: true,
        coupon: CouponPolicy::default(),
        eligibility: Eligibility::default(),
        limits: Limits::default(),
        image_url: None,
        texts: Default::default(),
        transaction_attributes: Vec::new(),
    });
    // The reward's own words, per language (plain text), and the
    // attributes each redemption carries.
    let text_of = |lang: &str, after: bool| {
        RwSignal::new(
            r.texts.get(lang).map(|t| if after { t.after.clone() } else { t.confirm.clone() }).unwrap_or_default(),
        )
    };
    let words = [("en", text_of("en", false), text_of("en", true)), ("fr", text_of("fr", false), text_of("fr", true))];
    let attributes = Attributes::of(&r.transaction_attributes);
    let image = RwSignal::new(opt_text(&r.image_url));
    let reward_id = RwSignal::new(r.reward_id.clone());
    let name = RwSignal::new(r.name.clone());
    let description = RwSignal::new(r.description.clone());
    let kind = RwSignal::new(r.kind.as_str().to_owned());
    let cost = RwSignal::new(r.points_cost.to_string());
    let amount = RwSignal::new(opt_text(&r.discount.amount_minor));
    let currency = RwSignal::new(opt_text(&r.discount.currency));
    let percent = RwSignal::new(opt_text(&r.discount.percent));
    let sku = RwSignal::new(opt_text(&r.discount.sku));
    let guests = RwSignal::new(r.show_to_guests);
    let active = RwSignal::new(r.active);
    let prefix = RwSignal::new(r.coupon.prefix.clone());
    let expires = RwSignal::new(opt_text(&r.coupon.expires_in_days));
    let min_order = RwSignal::new(r.coupon.min_order_minor.to_string());
    let pool_only = RwSignal::new(r.coupon.pool_only);
    let per_member = RwSignal::new(opt_text(&r.limits.per_member));
    let total = RwSignal::new(opt_text(&r.limits.total));
    let rule = Rule::of(&r.eligibility);

    // The reward as typed, and every problem core finds in it.
    let draft = Memo::new(move |_| {
        let mut issues = Vec::new();
        let eligibility = match Eligibility::parse(&rule.to_json(), "eligibility") {
            Ok(e) => e,
            Err(found) => {
                issues.extend(found);
                Eligibility::default()
            }
        };
        let kind_value: RewardKind = api::from_name(&kind.get()).unwrap_or(RewardKind::FixedAmountDiscount);
        let k = kind.get();
        // A fixed amount off and a gift card's balance are both an amount
        // in a currency.
        let has_amount = k == "fixed_amount_discount" || k == "gift_card";
        let reward = Reward {
            reward_id: reward_id.get().trim().to_owned(),
            name: name.get(),
            description: description.get(),
            active: active.get(),
            kind: kind_value,
            points_cost: number(&cost.get(), "points_cost", &mut issues).unwrap_or(0),
            discount: DiscountSpec {
                amount_minor: has_amount.then(|| number(&amount.get(), "discount.amount_minor", &mut issues)).flatten(),
                currency: has_amount.then(|| currency.get().trim().to_owned()).filter(|c| !c.is_empty()),
                percent: (k == "percentage_discount")
                    .then(|| number(&percent.get(), "discount.percent", &mut issues))
                    .flatten(),
                sku: (k == "free_product").then(|| sku.get().trim().to_owned()).filter(|s| !s.is_empty()),
            },
            show_to_guests: guests.get(),
            coupon: CouponPolicy {
                prefix: prefix.get().trim().to_owned(),
                expires_in_days: number(&expires.get(), "coupon.expires_in_days", &mut issues),
                min_order_minor: number(&min_order.get(), "coupon.min_order_minor", &mut issues).unwrap_or(0),
                pool_only: pool_only.get(),
            },
            eligibility,
            limits: Limits {
                per_member: number(&per_member.get(), "limits.per_member", &mut issues),
                total: number(&total.get(), "limits.total", &mut issues),
            },
            image_url: Some(image.get().trim().to_owned()).filter(|u| !u.is_empty()),
            texts: words
                .iter()
                .map(|(lang, confirm, after)| {
                    (lang.to_string(), RewardTexts { confirm: confirm.get(), after: after.get() })
                })
                .filter(|(_, t)| !t.confirm.is_empty() || !t.after.is_empty())
                .collect(),
            transaction_attributes: attributes.typed(),
        };
        if let Err(e) = reward.validate() {
            issues.extend(ui::issues_of(&e));
        }
        (reward, issues)
    });
    let issues = Signal::derive(move || draft.with(|d| d.1.clone()));
    let failed = RwSignal::new(None::<ApiError>);
    let reload = StoredValue::new(reload);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (reward, found) = draft.get_untracked();
        if !found.is_empty() {
            failed.set(Some(ApiError {
                code: "invalid_request".into(),
                message: format!("{} problem(s) to fix first, shown at their fields", found.len()),
            }));
            return;
        }
        let path = format!("/v1/rewards/{}", seg(&reward.reward_id));
        spawn_local(async move {
            match api::send::<_, Reward>(Method::PUT, &path, Some(&reward), false).await {
                Ok(reward) => {
                    saved.set(Some(format!("Saved {}.", reward.name)));
                    reload.with_value(|r| r());
                    editing.set(Editing::Existing(Box::new(reward)));
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    };
    let kinds = ["fixed_amount_discount", "percentage_discount", "free_shipping", "free_product", "gift_card"];
    let title = if is_new { "New reward".to_owned() } else { format!("Edit {}", r.name) };
    let existing_id = (!is_new).then(|| r.reward_id.clone());
    let loose = move || issues.get().into_iter().filter(|i| i.path.is_empty()).map(|i| i.message).collect::<Vec<_>>();
    view! {
        <section class="editor" aria-labelledby="editor-title">
            <h2 id="editor-title">{title}</h2>
            <form on:submit=save novalidate>
                <div class="grid">
                    <Show when=move || is_new>
                        <TextField label="Reward id" id="r-id" value=reward_id issues path="reward_id"
                            hint="Letters, digits and _ - . : @; it cannot change later."/>
                    </Show>
                    <TextField label="Name" id="r-name" value=name issues path="name"/>
                    <TextField label="Description" id="r-description" value=description issues path="description"/>
                    <TextField label="Points cost" id="r-cost" value=cost issues path="points_cost" kind="number"/>
                    <TextField label="Image URL (https)" id="r-image" value=image issues path="image_url"/>
                    <div class="field">
                        <label for="r-kind">"Kind"</label>
                        <select id="r-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                            {kinds
                                .into_iter()
                                .map(|k| view! { <option value=k selected=move || kind.get() == k>{k}</option> }.into_any())
                                .collect_view()}
                        </select>
                        <FieldError issues path="discount" id="r-kind"/>
                    </div>
                    <Show when=move || kind.get() == "fixed_amount_discount" || kind.get() == "gift_card">
                        <TextField label="Amount (minor units)" id="r-amount" value=amount issues
                            path="discount.amount_minor" kind="number"/>
                        <TextField label="Currency" id="r-currency" value=currency issues path="discount.currency"/>
                    </Show>
                    <Show when=move || kind.get() == "percentage_discount">
                        <TextField label="Percent off" id="r-percent" value=percent issues path="discount.percent"
                            kind="number"/>
                    </Show>
                    <Show when=move || kind.get() == "free_product">
                        <TextField label="Product SKU" id="r-sku" value=sku issues path="discount.sku"/>
                    </Show>
                    <TextField label="Code prefix" id="r-prefix" value=prefix issues path="coupon.prefix"/>
                    <TextField label="Code valid for (days; blank: no end)" id="r-expires" value=expires issues
                        path="coupon.expires_in_days" kind="number"/>
                    <TextField label="Smallest order (minor units)" id="r-min" value=min_order issues
                        path="coupon.min_order_minor" kind="number"/>
                    <TextField label="Per member (blank: no limit)" id="r-per-member" value=per_member issues
                        path="limits.per_member" kind="number"/>
                    <TextField label="In all (blank: no limit)" id="r-total" value=total issues path="limits.total"
                        kind="number"/>
                    <div class="field checks">
                        <label><input type="checkbox" prop:checked=move || active.get()
                            on:change=move |ev| active.set(event_target_checked(&ev))/>" Active"</label>
                        <label><input type="checkbox" prop:checked=move || guests.get()
                            on:change=move |ev| guests.set(event_target_checked(&ev))/>" Shown to guests"</label>
                        <label><input type="checkbox" prop:checked=move || pool_only.get()
                            on:change=move |ev| pool_only.set(event_target_checked(&ev))/>" Only codes from the pool"</label>
                    </div>
                </div>
                <fieldset class="texts">
                    <legend>"Its own words (plain text; the widget's own when blank)"</legend>
                    <div class="grid">
                        <TextField label="Before confirming (English)" id="r-confirm-en" value=words[0].1 issues
                            path="texts.en.confirm"/>
                        <TextField label="With the result (English)" id="r-after-en" value=words[0].2 issues
                            path="texts.en.after"/>
                        <TextField label="Before confirming (French)" id="r-confirm-fr" value=words[1].1 issues
                            path="texts.fr.confirm"/>
                        <TextField label="With the result (French)" id="r-after-fr" value=words[1].2 issues
                            path="texts.fr.after"/>
                    </div>
                </fieldset>
                <AttributeRows attributes issues/>
                <RuleBuilder rule issues/>
                <WhoQualifies draft=Signal::derive(move || draft.with(|d| d.0.eligibility.clone())) rule_ok=Signal::derive(move || {
                    issues.get().iter().all(|i| !i.path.starts_with("eligibility"))
                })/>
                <Show when=move || !loose().is_empty()>
                    <ul class="error">{move || loose().into_iter().map(|m| view! { <li>{m}</li> }.into_any()).collect_view()}</ul>
                </Show>
                <div class="row">
                    <button type="submit">"Save reward"</button>
                    <button type="button" class="link" on:click=move |_| editing.set(Editing::None)>"Close"</button>
                </div>
                {move || failed.get().map(|e| view! { <p role="alert" class="error">{ui::sentence(&e)}</p> })}
            </form>
            {existing_id.map(|id| view! { <Pool id/> })}
        </section>
    }
}

/// Any of the groups; each group all of its conditions.
#[component]
fn RuleBuilder(rule: Rule, issues: Signal<Vec<Issue>>) -> impl IntoView {
    view! {
        <fieldset class="rule">
            <legend>"Who may redeem it"</legend>
            <Show when=move || rule.groups.get().is_empty()>
                <p class="muted">"Everyone. Add a group to limit it."</p>
            </Show>
            <For
                each={move || rule.groups.get().into_iter().enumerate().collect::<Vec<_>>()}
                key=|(i, g)| (*i, g.key)
                let:item
            >
                <Group index=item.0 group=item.1 rule issues/>
            </For>
            <button type="button" on:click=move |_| rule.add_group()>
                {move || if rule.groups.get().is_empty() { "Add a group of conditions" } else { "Or: add another group" }}
            </button>
        </fieldset>
    }
}

#[component]
fn Group(index: usize, group: GroupDraft, rule: Rule, issues: Signal<Vec<Issue>>) -> impl IntoView {
    let path = format!("eligibility[{index}]");
    let group_issues = {
        let path = path.clone();
        move || {
            issues
                .get()
                .into_iter()
                .filter(|i| i.path == path || i.path == format!("{path}.conditions"))
                .map(|i| i.message)
                .collect::<Vec<_>>()
        }
    };
    view! {
        <div class="group" role="group" aria-label=format!("Group {}", index + 1)>
            <p class="group-title">{if index == 0 { "Members who match all of:" } else { "Or members who match all of:" }}</p>
            <For
                each={move || group.conds.get().into_iter().enumerate().collect::<Vec<_>>()}
                key=|(i, c)| (*i, c.key)
                let:item
            >
                <Condition g=index index=item.0 c=item.1 group issues/>
            </For>
            <p class="field-error">{move || group_issues().join("; ")}</p>
            <div class="row">
                <button type="button" on:click=move |_| rule.add_condition(group, "tier", "equals", "")>
                    "And: add a condition"
                </button>
                <button
                    type="button"
                    class="link danger"
                    on:click=move |_| rule.groups.update(|gs| gs.retain(|x| x.key != group.key))
                >
                    {format!("Remove group {}", index + 1)}
                </button>
            </div>
        </div>
    }
}

#[component]
fn Condition(g: usize, index: usize, c: Cond, group: GroupDraft, issues: Signal<Vec<Issue>>) -> impl IntoView {
    let path = format!("eligibility[{g}].conditions[{index}]");
    let id = format!("c-{g}-{index}");
    let problem = {
        let path = path.clone();
        move || ui::at(&issues.get(), &path).join("; ")
    };
    let has_problem = {
        let p = problem.clone();
        move || !p().is_empty()
    };
    let hint = move || match (c.attribute.get().as_str(), c.operator.get().as_str()) {
        ("enrolled_at" | "birthday", "between") => "two dates: 2026-01-01, 2026-06-30",
        ("enrolled_at" | "birthday", _) => "a date: 2026-01-01",
        ("lifetime_earned", "between") => "two numbers: 1000, 5000",
        ("lifetime_earned", _) => "a number: 1000",
        (_, "contains_all" | "contains_any" | "contains_none") => "names, separated by commas",
        _ => "a name",
    };
    let n = index + 1;
    view! {
        <div class="condition" role="group" aria-label=format!("Condition {n}")>
            <select
                aria-label=format!("Condition {n}: attribute")
                on:change=move |ev| {
                    let a = event_target_value(&ev);
                    let ops = operators_for(&a);
                    if !ops.contains(&c.operator.get_untracked().as_str()) {
                        c.operator.set(ops.first().copied().unwrap_or_default().to_owned());
                    }
                    c.attribute.set(a);
                }
            >
                {attribute_names()
                    .into_iter()
                    .map(|a| view! { <option value=a selected=move || c.attribute.get() == a>{a}</option> }.into_any())
                    .collect_view()}
            </select>
            <select aria-label=format!("Condition {n}: operator") on:change=move |ev| c.operator.set(event_target_value(&ev))>
                {move || {
                    operators_for(&c.attribute.get())
                        .into_iter()
                        .map(|o| view! { <option value=o selected=move || c.operator.get() == o>{o}</option> }.into_any())
                        .collect_view()
                }}
            </select>
            <input
                id=id.clone()
                aria-label=format!("Condition {n}: value")
                placeholder=hint
                prop:value=move || c.value.get()
                on:input=move |ev| c.value.set(event_target_value(&ev))
                aria-invalid=move || has_problem().then_some("true")
                aria-describedby=format!("{id}-error")
            />
            <button
                type="button"
                class="link danger"
                aria-label=format!("Remove condition {n}")
                on:click=move |_| group.conds.update(|cs| cs.retain(|x| x.key != c.key))
            >
                "Remove"
            </button>
            <p class="field-error" id=format!("{id}-error")>{problem}</p>
        </div>
    }
}

/// Who qualifies: a member's attributes, read from the API, checked
/// against the rule as typed with core's `Eligibility::explain`.
#[component]
fn WhoQualifies(draft: Signal<Eligibility>, rule_ok: Signal<bool>) -> impl IntoView {
    let member_id = RwSignal::new(String::new());
    let member = RwSignal::new(None::<Load<MemberDetail>>);
    let check = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let id = member_id.get_untracked().trim().to_owned();
        if id.is_empty() {
            return;
        }
        member.set(Some(Load::Loading));
        spawn_local(async move {
            member.set(Some(api::get::<MemberDetail>(&format!("/v1/members/{}", seg(&id))).await.into()));
        });
    };
    let verdict = move || match member.get() {
        None => None,
        Some(Load::Loading) => Some(("muted", "Reading the member…".to_owned())),
        Some(Load::Failed(e)) => Some(("error", ui::sentence(&e))),
        Some(Load::Ready(m)) if !rule_ok.get() => {
            Some(("muted", format!("{}: fix the rule first.", m.summary.customer_id)))
        }
        Some(Load::Ready(m)) => Some(match draft.get().explain(&m.attributes(), Lang::En) {
            Ok(()) => ("ok", format!("{} qualifies.", m.summary.customer_id)),
            // Worded as redemption refuses it (`Refusal::describe`).
            Err(reason) => {
                ("error", format!("{} — {}", m.summary.customer_id, Refusal::NotEligible { reason }.describe(Lang::En)))
            }
        }),
    };
    view! {
        <div class="who" aria-labelledby="who-title">
            <h3 id="who-title">"Who qualifies"</h3>
            <label for="who-id">"Customer id"</label>
            <div class="row">
                <input id="who-id" prop:value=move || member_id.get() on:input=move |ev| member_id.set(event_target_value(&ev))/>
                <button type="button" on:click=check>"Check"</button>
            </div>
            <p role="status" class=move || verdict().map(|v| v.0).unwrap_or("muted")>
                {move || verdict().map(|v| v.1).unwrap_or_default()}
            </p>
        </div>
    }
}

/// The coupon pool: its counts, and codes added from a CSV file.
#[component]
fn Pool(id: String) -> impl IntoView {
    let detail = RwSignal::new(Load::<RewardDetail>::Loading);
    let id = StoredValue::new(id);
    let fetch = move || {
        let id = id.get_value();
        ui::load(detail, move || async move { api::get::<RewardDetail>(&format!("/v1/rewards/{}", seg(&id))).await });
    };
    fetch();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let file = NodeRef::<leptos::html::Input>::new();
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(f) = file.get().and_then(|i| i.files()).and_then(|l| l.get(0)) else {
            outcome.set(Some(Err("Choose a CSV file first.".into())));
            return;
        };
        let path = format!("/v1/rewards/{}/coupons", seg(&id.get_value()));
        spawn_local(async move {
            let text = match JsFuture::from(f.text()).await {
                Ok(t) => t.as_string().unwrap_or_default(),
                Err(_) => return outcome.set(Some(Err("The file could not be read.".into()))),
            };
            let (codes, bad) = codes_from_csv(&text);
            if !bad.is_empty() {
                let lines: Vec<String> = bad.iter().take(5).map(|(n, l)| format!("line {n}: {l}")).collect();
                return outcome.set(Some(Err(format!(
                    "{} line(s) are not codes of 8 to 64 letters, digits or dashes, so nothing was sent: {}",
                    bad.len(),
                    lines.join("; ")
                ))));
            }
            if codes.is_empty() {
                return outcome.set(Some(Err("The file holds no code.".into())));
            }
            // Bodies are at most 64 KiB: the codes go 1,000 at a time.
            let (mut added, mut duplicates, mut last) = (0, 0, None);
            for chunk in codes.chunks(1000) {
                let body = CouponPoolRequest { codes: chunk.to_vec() };
                match api::send::<_, PoolAdded>(Method::POST, &path, Some(&body), true).await {
                    Ok(p) => {
                        added += p.added;
                        duplicates += p.duplicates.len();
                        last = Some(p.coupons_info);
                    }
                    Err(e) => return outcome.set(Some(Err(ui::sentence(&e)))),
                }
            }
            let info = last.unwrap_or_default();
            outcome.set(Some(Ok(format!(
                "Added {} code(s), {} already known. The reward now has {} code(s): {} issued, {} used.",
                int(added),
                int(duplicates as i64),
                int(info.total),
                int(info.issued),
                int(info.redeemed)
            ))));
            fetch();
        });
    };
    view! {
        <div class="pool">
            <h3>"Coupon pool"</h3>
            {ui::show(
                detail,
                fetch,
                |d| {
                    let i = d.coupons_info;
                    view! {
                        <p>{format!("{} code(s), pooled or generated: {} issued, {} used.", int(i.total), int(i.issued), int(i.redeemed))}</p>
                    }
                    .into_any()
                },
            )}
            <form on:submit=upload>
                <label for="pool-file">"Add codes from a CSV file (one code a line, first column)"</label>
                <input id="pool-file" type="file" accept=".csv,text/csv,text/plain" node_ref=file/>
                <button type="submit">"Upload codes"</button>
            </form>
            {move || match outcome.get() {
                None => ().into_any(),
                Some(Ok(m)) => view! { <p role="status" class="ok">{m}</p> }.into_any(),
                Some(Err(m)) => view! { <p role="alert" class="error">{m}</p> }.into_any(),
            }}
        </div>
    }
}

/// One transaction attribute as typed.
#[derive(Clone, Copy)]
struct AttributeDraft {
    key: u64,
    id: RwSignal<String>,
    name: RwSignal<String>,
    kind: RwSignal<String>,
    mandatory: RwSignal<bool>,
}

/// The attributes a redemption of the reward carries, as rows.
#[derive(Clone, Copy)]
struct Attributes {
    rows: RwSignal<Vec<AttributeDraft>>,
    next: StoredValue<u64>,
}

impl Attributes {
    fn of(list: &[TransactionAttribute]) -> Attributes {
        let a = Attributes { rows: RwSignal::new(Vec::new()), next: StoredValue::new(0) };
        for t in list {
            a.add(t);
        }
        a
    }

    fn add(&self, t: &TransactionAttribute) {
        let key = self.next.get_value();
        self.next.set_value(key + 1);
        let kind = api::name_of(&t.kind);
        let draft = AttributeDraft {
            key,
            id: RwSignal::new(t.attribute_id.clone()),
            name: RwSignal::new(t.name.clone()),
            kind: RwSignal::new(kind),
            mandatory: RwSignal::new(t.mandatory),
        };
        self.rows.update(|r| r.push(draft));
    }

    /// The rows as the reward's attributes (core checks them).
    fn typed(&self) -> Vec<TransactionAttribute> {
        self.rows
            .get()
            .iter()
            .map(|d| TransactionAttribute {
                attribute_id: d.id.get().trim().to_owned(),
                name: d.name.get().trim().to_owned(),
                kind: api::from_name(&d.kind.get()).unwrap_or(AttributeType::Text),
                mandatory: d.mandatory.get(),
            })
            .collect()
    }
}

/// The transaction attributes' rows: id, name, type, mandatory; each
/// row's problems under it, as core words them.
#[component]
fn AttributeRows(attributes: Attributes, issues: Signal<Vec<Issue>>) -> impl IntoView {
    let blank = TransactionAttribute {
        attribute_id: String::new(),
        name: String::new(),
        kind: AttributeType::Text,
        mandatory: false,
    };
    view! {
        <fieldset class="attributes">
            <legend>"What each redemption says (transaction attributes)"</legend>
            <Show when=move || attributes.rows.get().is_empty()>
                <p class="muted">"None. A size, a gift message: add one, and the shopper gives it when redeeming."</p>
            </Show>
            <For
                each={move || attributes.rows.get().into_iter().enumerate().collect::<Vec<_>>()}
                key=|(i, d)| (*i, d.key)
                let:item
            >
                {
                    let (i, d) = item;
                    let path = format!("transaction_attributes[{i}]");
                    let error = move || ui::at(&issues.get(), &path).join("; ");
                    let id = format!("r-attr-{}", d.key);
                    view! {
                        <div class="attribute row">
                            <label>"Id "<input id=format!("{id}-id") prop:value=move || d.id.get()
                                on:input=move |ev| d.id.set(event_target_value(&ev))/></label>
                            <label>"Name "<input id=format!("{id}-name") prop:value=move || d.name.get()
                                on:input=move |ev| d.name.set(event_target_value(&ev))/></label>
                            <label>"Type "
                                <select on:change=move |ev| d.kind.set(event_target_value(&ev))>
                                    {["text", "number", "boolean"]
                                        .into_iter()
                                        .map(|k| view! { <option value=k selected=move || d.kind.get() == k>{k}</option> }.into_any())
                                        .collect_view()}
                                </select>
                            </label>
                            <label><input type="checkbox" prop:checked=move || d.mandatory.get()
                                on:change=move |ev| d.mandatory.set(event_target_checked(&ev))/>" Mandatory"</label>
                            <button type="button" class="link"
                                on:click=move |_| attributes.rows.update(|r| r.retain(|x| x.key != d.key))>"Remove"</button>
                            <p class="field-error" role="status">{error}</p>
                        </div>
                    }
                }
            </For>
            <button type="button" on:click=move |_| attributes.add(&blank)>"Add an attribute"</button>
        </fieldset>
    }
}
