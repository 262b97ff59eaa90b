//! What every page shares: reads as [`Load`] states, figures in words,
//! and core's validation issues shown at their fields.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use loyalty_core::error::Issue;
use loyalty_core::Timestamp;

use crate::api::ApiError;

/// One API read as the page shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Load<T> {
    /// Asked for, not answered yet.
    Loading,
    /// The answer.
    Ready(T),
    /// The error, shown with a retry.
    Failed(ApiError),
}

impl<T> From<Result<T, ApiError>> for Load<T> {
    fn from(r: Result<T, ApiError>) -> Load<T> {
        r.map_or_else(Load::Failed, Load::Ready)
    }
}

/// Runs `read` into `into` (which shows `Loading` meanwhile).
pub fn load<T, F>(into: RwSignal<Load<T>>, read: impl FnOnce() -> F + 'static)
where
    T: Send + Sync + 'static,
    F: Future<Output = Result<T, ApiError>> + 'static,
{
    into.set(Load::Loading);
    spawn_local(async move { into.set(read().await.into()) });
}

/// What a read shows while it is not ready: a status line, or the error
/// with a retry. `view` renders the answer.
pub fn show<T, V>(state: RwSignal<Load<T>>, retry: impl Fn() + Clone + Send + Sync + 'static, view: V) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: Fn(T) -> AnyView + Send + Sync + 'static,
{
    move || match state.get() {
        Load::Loading => view! { <p role="status" class="muted">"Loading…"</p> }.into_any(),
        Load::Failed(e) => {
            let retry = retry.clone();
            view! {
                <div class="error" role="alert">
                    <p>{sentence(&e)}</p>
                    <button type="button" on:click=move |_| retry()>"Try again"</button>
                </div>
            }
            .into_any()
        }
        Load::Ready(v) => view(v),
    }
}

/// An API error as a merchant reads it: its message and its code.
pub fn sentence(e: &ApiError) -> String {
    match e.code.as_str() {
        "network" => "The Worker did not answer. Check the connection and try again.".to_owned(),
        _ => format!("{} ({})", e.message, e.code),
    }
}

/// An integer with thousands separators: 1,234,567.
pub fn int(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// A time as `YYYY-MM-DD HH:MM UTC`.
pub fn format_time(t: Timestamp) -> String {
    let s = t.to_rfc3339();
    format!("{} {} UTC", &s[..10], s.get(11..16).unwrap_or(""))
}

/// Now, from the browser's clock.
pub fn now() -> Timestamp {
    Timestamp((js_sys::Date::now() / 1000.0) as i64)
}

/// The issues of a core validation, or of an API refusal with issues.
pub fn issues_of(e: &loyalty_core::Error) -> Vec<Issue> {
    match e {
        loyalty_core::Error::Invalid(issues) => issues.clone(),
        other => vec![Issue::new("", other.to_string())],
    }
}

/// The messages of `issues` at `path` (exactly, or below it).
pub fn at(issues: &[Issue], path: &str) -> Vec<String> {
    issues
        .iter()
        .filter(|i| {
            i.path == path || i.path.starts_with(path) && matches!(i.path.as_bytes().get(path.len()), Some(b'.' | b'['))
        })
        .map(|i| i.message.clone())
        .collect()
}

/// Core's messages for one field, under it, tied to it by `id`
/// (`aria-describedby` on the input names `{id}-error`).
#[component]
pub fn FieldError(issues: Signal<Vec<Issue>>, path: &'static str, id: &'static str) -> impl IntoView {
    let messages = move || at(&issues.get(), path);
    view! {
        <Show when=move || !messages().is_empty()>
            <p class="field-error" id=format!("{id}-error")>
                {move || messages().join("; ")}
            </p>
        </Show>
    }
}

/// A labelled text input bound to `value`, with core's errors at `path`.
#[component]
pub fn TextField(
    label: &'static str,
    id: &'static str,
    value: RwSignal<String>,
    issues: Signal<Vec<Issue>>,
    path: &'static str,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let invalid = move || !at(&issues.get(), path).is_empty();
    let described = move || {
        let mut ids = Vec::new();
        if hint.is_some() {
            ids.push(format!("{id}-hint"));
        }
        if invalid() {
            ids.push(format!("{id}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|h| view! { <span class="hint" id=format!("{id}-hint")>{h}</span> })}
            <input
                id=id
                type=kind.unwrap_or("text")
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || invalid().then_some("true")
                aria-describedby=described
            />
            <FieldError issues path id/>
        </div>
    }
}

/// Starts a download of `text` as `name` (exports).
pub fn download(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlAnchorElement>(e).ok());
    if let Some(a) = link {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_with_separators() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(-1234567), "-1,234,567");
        assert_eq!(int(9_007_199_254_740_991), "9,007,199,254,740,991");
    }

    #[test]
    fn issues_are_found_at_their_field_and_below_it() {
        let issues = vec![
            Issue::new("tiers[1].threshold", "must rise"),
            Issue::new("tiers", "at most 20"),
            Issue::new("tier_window", "x"),
        ];
        assert_eq!(at(&issues, "tiers"), vec!["must rise", "at most 20"]);
        assert_eq!(at(&issues, "tiers[1].threshold"), vec!["must rise"]);
        assert!(at(&issues, "name").is_empty());
    }
}
