//! Where keyboard focus goes when the widget replaces the element that
//! had it, as a keyboard user expects: into the panel when it opens, back
//! to the launcher when it closes, onto Confirm, back to Redeem after
//! Cancel or a refusal, onto a new coupon's Copy button.
//!
//! Elements focus themselves when built (the [`autofocus`] directive) or
//! are found by selector in the widget's shadow root
//! ([`crate::state::State::focus`]), rather than held in `NodeRef`s: a
//! `NodeRef` is a signal of its own type, and none of its reactivity was
//! needed (−0.4 KB gzip, measured 2026-11-22).

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// A flag read and reset only here: "focus this element if it is rebuilt".
pub type Refocus = RwSignal<bool, LocalStorage>;

/// The directive (`use:autofocus=None`, or `=Some(flag)`): the element
/// takes focus once it is on the page, always or only when `flag` is set
/// (which it then clears, so focus is taken once).
pub fn autofocus(el: web_sys::Element, flag: Option<Refocus>) {
    if let Some(flag) = flag {
        if !flag.get_untracked() {
            return;
        }
        flag.set(false);
    }
    // Built but not attached yet: Leptos mounts it before this task's
    // queued work runs.
    spawn_local(async move {
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    });
}
