//! What on screen follows the widget's state without being a view of its
//! own: ARIA and keyboard attributes (`aria-expanded`, `aria-selected`, a
//! tab's `tabindex`) and short texts (the panel's title, the balance badge,
//! the live region, the copy button's label). One directive sets them:
//! `<button use:bind=attrs(move || [("aria-expanded", …)])>`,
//! `<h2 use:bind=text(title)>`.
//!
//! Leptos's reactive attributes and texts (`aria-expanded=move || …`,
//! `{move || …}`) cost a render effect and rendering code per kind; one
//! directive over one boxed closure type, run by the widget's one kind of
//! effect, cost 1.2 KB gzip less (attributes 0.74, texts 0.5; measured
//! 2026-11-22). An effect first runs once the element is built, before
//! the browser paints it.

use std::rc::Rc;

use crate::state::watch;

/// What the directive keeps up to date on one element.
#[derive(Clone)]
pub struct Bound(Rc<dyn Fn(&web_sys::Element)>);

/// Each `(name, value)` that `values` returns set on the element, again
/// whenever a signal it read changes.
pub fn attrs<const N: usize>(values: impl Fn() -> [(&'static str, &'static str); N] + 'static) -> Bound {
    Bound(Rc::new(move |el| {
        for (name, value) in values() {
            let _ = el.set_attribute(name, value);
        }
    }))
}

/// The element's text, kept equal to what `value` returns.
pub fn text(value: impl Fn() -> String + 'static) -> Bound {
    Bound(Rc::new(move |el| el.set_text_content(Some(&value()))))
}

/// The directive.
pub fn bind(el: web_sys::Element, bound: Bound) {
    watch(move || (bound.0)(&el));
}

/// An ARIA boolean attribute's value.
pub fn flag(on: bool) -> &'static str {
    if on {
        "true"
    } else {
        "false"
    }
}
