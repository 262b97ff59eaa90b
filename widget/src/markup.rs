//! Markup that never changes once shown and handles no event (the balance
//! card, history lines, the guest's catalog), written as escaped HTML and
//! handed to the browser's parser in one `inner_html`.
//!
//! Why not `view!` there too: Leptos gives every distinct tree of elements
//! a type of its own, and each type its own build, rebuild, mount and drop
//! code in the wasm. What changes or is clicked stays in `view!`.

use leptos::prelude::*;

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

    /// `<tag class="class">text</tag>`.
    pub fn el(&mut self, tag: &str, class: &str, text: &str) -> &mut Self {
        self.open(tag, class).text(text).close(tag)
    }
}

/// Appends `text` with the five characters that could end a text or an
/// attribute value written as entities.
pub fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
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

    #[test]
    fn an_empty_class_writes_no_attribute() {
        let mut m = Markup::default();
        m.el("p", "", "Café");
        assert_eq!(m.0, "<p>Café</p>");
    }
}
