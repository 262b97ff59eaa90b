//! Markup that never changes once shown and handles no event (the balance
//! card, history lines, a reward's text, the guest's catalog, the coupon's
//! terms, a failure's reason), written as escaped HTML and handed to the
//! browser's parser in one `inner_html`.
//!
//! Why not `view!` there too: Leptos gives every distinct tree of elements
//! a type of its own, and each type its own build, rebuild, mount and drop
//! code in the wasm (the blocks written this way: −2.8 KB gzip, and one
//! view type for all of them −0.3 KB more; measured 2026-11-22). What
//! changes or is clicked stays in `view!`.

use leptos::prelude::*;

use crate::listen::{listen, Handler};

/// HTML under construction. Every text and attribute value goes through
/// [`escape`], so what the API or the merchant wrote is shown, never run.
#[derive(Default)]
pub struct Markup(pub String);

impl Markup {
    /// Just `text`, escaped.
    pub fn of(text: &str) -> Markup {
        let mut m = Markup::default();
        m.text(text);
        m
    }

    /// `<tag class="class">` (no class attribute when `class` is empty).
    pub fn open(&mut self, tag: &str, class: &str) -> &mut Self {
        self.open_with(tag, &[("class", class)])
    }

    /// `<tag name="value" …>`, leaving out empty values.
    pub fn open_with(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.0.push('<');
        self.0.push_str(tag);
        for (name, value) in attrs.iter().filter(|(_, v)| !v.is_empty()) {
            self.0.push(' ');
            self.0.push_str(name);
            self.0.push_str("=\"");
            escape(&mut self.0, value);
            self.0.push('"');
        }
        self.0.push('>');
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
        self
    }

    /// Text, escaped.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape(&mut self.0, text);
        self
    }

    /// The markup inside a `<div class="class">`: one view type, so one
    /// copy of its rendering code, for every static block of the widget.
    pub fn show(self, class: &'static str) -> impl IntoView {
        view! { <div class=class inner_html=self.0></div> }
    }

    /// The markup, then one button under it (a retry, "Show older
    /// activity"): one view type for both.
    pub fn with_button(self, class: &'static str, label: &'static str, on_click: Handler) -> AnyView {
        view! {
            {self.show("")}
            <button class=class use:listen=on_click>{label}</button>
        }
        .into_any()
    }

    /// `<tag class="class">text</tag>`.
    pub fn el(&mut self, tag: &str, class: &str, text: &str) -> &mut Self {
        self.open(tag, class).text(text).close(tag)
    }
}

/// Appends `text` with the five characters that could end a text or an
/// attribute value written as entities. All five are ASCII, so the text is
/// copied a run of bytes at a time between them.
pub fn escape(out: &mut String, text: &str) {
    let mut from = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&text[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut m = Markup::default();
        m.open_with("li", &[("class", "a\"b"), ("data-x", "")]).text("<img src=x onerror='1'> & co").close("li");
        assert_eq!(m.0, "<li class=\"a&quot;b\">&lt;img src=x onerror=&#39;1&#39;&gt; &amp; co</li>");
    }

    fn unescape(s: &str) -> String {
        s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
    }

    proptest::proptest! {
        // Whatever the API sends, nothing it contains can open a tag or
        // end an attribute value, and the shopper reads it unchanged.
        #[test]
        fn escaped_text_is_inert_and_reads_as_written(text in "\\PC*") {
            let mut out = String::new();
            escape(&mut out, &text);
            proptest::prop_assert!(!out.contains(['<', '>', '"', '\'']));
            proptest::prop_assert_eq!(unescape(&out), text);
        }
    }

    #[test]
    fn an_empty_class_writes_no_attribute() {
        let mut m = Markup::default();
        m.el("p", "", "Café");
        assert_eq!(m.0, "<p>Café</p>");
    }
}
