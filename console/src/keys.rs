//! Keys and webhooks: scoped API keys made (the key shown once) and
//! revoked; webhook endpoints made (the signing secret shown once), their
//! deliveries, a retry, and their removal.

use gloo_net::http::Method;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::apikey::{self, Scope};
use loyalty_core::webhook::EventType;
use loyalty_core::wire::{
    ApiKeyCreated, ApiKeyList, ApiKeyRequest, ApiKeyRevoked, DeliveryPage, DeliveryStatus, RetryAccepted,
    WebhookCreated, WebhookDeleted, WebhookList, WebhookRequest,
};

use crate::api::{self, seg, ApiError};
use crate::ui::{self, format_time, Load};

/// The page.
#[component]
pub fn Keys() -> impl IntoView {
    view! {
        <h1>"Keys and webhooks"</h1>
        <ApiKeys/>
        <Webhooks/>
    }
}

/// What a creation answered: the secret it shows once, with how to keep
/// it, or why it failed.
fn shown_once(label: &'static str, created: RwSignal<Option<Result<String, ApiError>>>) -> impl IntoView {
    move || match created.get() {
        None => ().into_any(),
        Some(Ok(secret)) => view! {
            <div class="once" role="status">
                <p>{format!("{label} — copy it now: it is not shown again.")}</p>
                <code class="secret">{secret}</code>
            </div>
        }
        .into_any(),
        Some(Err(e)) => view! { <p role="alert" class="error">{ui::sentence(&e)}</p> }.into_any(),
    }
}

#[component]
fn ApiKeys() -> impl IntoView {
    let list = RwSignal::new(Load::<ApiKeyList>::Loading);
    let fetch = move || ui::load(list, || api::get::<ApiKeyList>("/v1/api-keys"));
    fetch();
    let name = RwSignal::new(String::new());
    let scopes = [Scope::Read, Scope::Checkout, Scope::Admin].map(|s| (s, RwSignal::new(s == Scope::Read)));
    let created = RwSignal::new(None::<Result<String, ApiError>>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen: Vec<Scope> = scopes.iter().filter(|(_, on)| on.get_untracked()).map(|(s, _)| *s).collect();
        let body = ApiKeyRequest { name: name.get_untracked().trim().to_owned(), scopes: chosen };
        if let Err(e) = apikey::check(&body.name, &body.scopes) {
            created.set(Some(Err(ApiError { code: "invalid_request".into(), message: e.to_string() })));
            return;
        }
        spawn_local(async move {
            let answer = api::send::<_, ApiKeyCreated>(Method::POST, "/v1/api-keys", Some(&body), false).await;
            if answer.is_ok() {
                name.set(String::new());
                fetch();
            }
            created.set(Some(answer.map(|k| k.key)));
        });
    };
    view! {
        <section aria-labelledby="keys-title">
            <h2 id="keys-title">"API keys"</h2>
            <form class="inline-form" on:submit=create>
                <label for="key-name">"Name"</label>
                <input id="key-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <fieldset class="checks">
                    <legend>"Scopes"</legend>
                    {scopes
                        .into_iter()
                        .map(|(s, on)| {
                            let hint = match s {
                                Scope::Read => "read: every GET",
                                Scope::Checkout => "checkout: purchases, refunds, coupons, referrals",
                                Scope::Admin => "admin: everything",
                            };
                            view! {
                                <label>
                                    <input type="checkbox" prop:checked=move || on.get() on:change=move |ev| on.set(event_target_checked(&ev))/>
                                    {format!(" {hint}")}
                                </label>
                            }.into_any()
                        })
                        .collect_view()}
                </fieldset>
                <button type="submit">"Create key"</button>
            </form>
            {shown_once("New key", created)}
            {ui::show(
                list,
                fetch,
                move |l| {
                    if l.api_keys.is_empty() {
                        return view! { <p class="muted">"No key besides the root key."</p> }.into_any();
                    }
                    view! {
                        <table class="list">
                            <thead>
                                <tr><th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th><th scope="col"><span class="sr-only">"Revoke"</span></th></tr>
                            </thead>
                            <tbody>
                                {l.api_keys.into_iter().map(|k| view! {
                                    <tr>
                                        <td>{k.name.clone()}<br/><code class="muted">{k.key_id.clone()}</code></td>
                                        <td>{k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")}</td>
                                        <td>{format_time(k.created_at)}</td>
                                        <td>
                                            <button type="button" class="danger" aria-label=format!("Revoke {}", k.name) on:click={
                                                let id = k.key_id.clone();
                                                move |_| {
                                                    let path = format!("/v1/api-keys/{}", seg(&id));
                                                    spawn_local(async move {
                                                        let _ = api::send::<(), ApiKeyRevoked>(Method::DELETE, &path, None, false).await;
                                                        fetch();
                                                    });
                                                }
                                            }>"Revoke"</button>
                                        </td>
                                    </tr>
                                }.into_any()).collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                },
            )}
        </section>
    }
}

#[component]
fn Webhooks() -> impl IntoView {
    let list = RwSignal::new(Load::<WebhookList>::Loading);
    let fetch = move || ui::load(list, || api::get::<WebhookList>("/v1/webhooks"));
    fetch();
    let url = RwSignal::new(String::new());
    let events = RwSignal::new("*".to_owned());
    let created = RwSignal::new(None::<Result<String, ApiError>>);
    let shown = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = WebhookRequest {
            url: url.get_untracked().trim().to_owned(),
            events: events.get_untracked().split(',').map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()).collect(),
            description: None,
        };
        spawn_local(async move {
            let answer = api::send::<_, WebhookCreated>(Method::POST, "/v1/webhooks", Some(&body), true).await;
            if answer.is_ok() {
                url.set(String::new());
                fetch();
            }
            created.set(Some(answer.map(|w| w.secret)));
        });
    };
    let known = EventType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ");
    view! {
        <section aria-labelledby="webhooks-title">
            <h2 id="webhooks-title">"Webhooks"</h2>
            <form class="inline-form" on:submit=create>
                <label for="hook-url">"Endpoint URL (https)"</label>
                <input id="hook-url" type="url" required prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                <label for="hook-events">"Events (comma-separated, or * for all)"</label>
                <span class="hint" id="hook-events-hint">{known}</span>
                <input id="hook-events" aria-describedby="hook-events-hint" prop:value=move || events.get()
                    on:input=move |ev| events.set(event_target_value(&ev))/>
                <button type="submit">"Add endpoint"</button>
            </form>
            {shown_once("Signing secret", created)}
            {ui::show(
                list,
                fetch,
                move |l| {
                    if l.webhooks.is_empty() {
                        return view! { <p class="muted">"No endpoint yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="hooks">
                            {l.webhooks.into_iter().map(|w| view! {
                                <li>
                                    <p>
                                        <strong>{w.url.clone()}</strong>
                                        {format!(" · {} · {}", w.events.join(", "), if w.active { "active" } else { "stopped (410 Gone)" })}
                                    </p>
                                    <div class="row">
                                        <button type="button" on:click={
                                            let id = w.webhook_id.clone();
                                            move |_| shown.set(Some(id.clone()))
                                        }>{format!("Deliveries of {}", w.url)}</button>
                                        <button type="button" class="danger" on:click={
                                            let id = w.webhook_id.clone();
                                            move |_| {
                                                let path = format!("/v1/webhooks/{}", seg(&id));
                                                spawn_local(async move {
                                                    let _ = api::send::<(), WebhookDeleted>(Method::DELETE, &path, None, false).await;
                                                    fetch();
                                                });
                                            }
                                        }>{format!("Remove {}", w.url)}</button>
                                    </div>
                                </li>
                            }.into_any()).collect_view()}
                        </ul>
                    }
                    .into_any()
                },
            )}
            {move || shown.get().map(|id| view! { <Deliveries id/> })}
        </section>
    }
}

#[component]
fn Deliveries(id: String) -> impl IntoView {
    let page = RwSignal::new(Load::<DeliveryPage>::Loading);
    let id = StoredValue::new(id);
    let fetch = move || {
        let path = format!("/v1/webhooks/{}/deliveries?limit=50", seg(&id.get_value()));
        ui::load(page, move || async move { api::get::<DeliveryPage>(&path).await });
    };
    fetch();
    view! {
        <div class="row">
            <h3>"Deliveries"</h3>
            <button type="button" on:click=move |_| fetch()>"Refresh deliveries"</button>
        </div>
        {ui::show(
            page,
            fetch,
            move |p| {
                if p.deliveries.is_empty() {
                    return view! { <p class="muted">"Nothing sent yet."</p> }.into_any();
                }
                view! {
                    <table class="list">
                        <thead>
                            <tr><th scope="col">"Event"</th><th scope="col">"Status"</th><th scope="col" class="num">"Tries"</th><th scope="col">"Last answer"</th><th scope="col">"When"</th><th scope="col"><span class="sr-only">"Retry"</span></th></tr>
                        </thead>
                        <tbody>
                            {p.deliveries.into_iter().map(|d| view! {
                                <tr>
                                    <td>{d.kind.as_str()}</td>
                                    <td>{match d.status {
                                        DeliveryStatus::Pending => "pending",
                                        DeliveryStatus::Delivered => "delivered",
                                        DeliveryStatus::Failed => "failed",
                                    }}</td>
                                    <td class="num">{d.attempts}</td>
                                    <td>{d.last_status_code.map(|c| c.to_string()).unwrap_or_else(|| "—".into())}</td>
                                    <td>{format_time(d.created_at)}</td>
                                    <td>
                                        <Show when=move || d.status != DeliveryStatus::Delivered>
                                            <button type="button" on:click={
                                                let path = format!("/v1/webhooks/{}/deliveries/{}/retry", seg(&id.get_value()), seg(&d.delivery_id));
                                                move |_| {
                                                    let path = path.clone();
                                                    spawn_local(async move {
                                                        let _ = api::send::<(), RetryAccepted>(Method::POST, &path, None, false).await;
                                                        fetch();
                                                    });
                                                }
                                            }>"Retry now"</button>
                                        </Show>
                                    </td>
                                </tr>
                            }.into_any()).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            },
        )}
    }
}
