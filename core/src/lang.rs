//! The languages a shopper reads the program's explanations in.
//!
//! Core words what only core knows: why a reward is refused ("only for Gold
//! members"). The widget words everything else from its own text tables. A
//! reason is rendered in the language the widget asks for, so a French
//! storefront never shows an English refusal inside a French widget.

/// A language of the shopper-facing explanations. English is the default
/// and the language of API error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Its code (`en`, `fr`), as a reward's `texts` are keyed.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language for an `Accept-Language` header: the supported language
    /// with the highest quality (`fr-CA;q=0.9` counts as `fr`), the first
    /// listed on a tie; English when none is supported, the header is
    /// absent or it cannot be read.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let mut best: Option<(u32, Lang)> = None;
        for item in accept_language.unwrap_or("").split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            let lang = if primary.eq_ignore_ascii_case("fr") {
                Lang::Fr
            } else if primary.eq_ignore_ascii_case("en") {
                Lang::En
            } else {
                continue;
            };
            let quality = parts.find_map(|p| p.trim().strip_prefix("q=").map(quality)).unwrap_or(Some(1000));
            // Unreadable or zero quality: "not acceptable".
            let Some(q) = quality.filter(|q| *q > 0) else { continue };
            if best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }
}

/// A quality value (`0`, `0.5`, `1.000`) in thousandths; `None` if malformed.
fn quality(s: &str) -> Option<u32> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole = match int {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    let thousandths = format!("{frac:0<3}").parse::<u32>().ok()?;
    let q = whole + thousandths;
    (q <= 1000).then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn negotiates_by_quality_then_order() {
        assert_eq!(Lang::negotiate(None), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("fr-CA,fr;q=0.9,en;q=0.8")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("de-DE,de;q=0.9,en;q=0.8,fr;q=0.7")), Lang::En);
        assert_eq!(Lang::negotiate(Some("en;q=0.5, FR;q=0.8")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("en, fr")), Lang::En, "a tie goes to the first listed");
        assert_eq!(Lang::negotiate(Some("fr;q=0, en;q=0.1")), Lang::En, "q=0 means not acceptable");
        assert_eq!(Lang::negotiate(Some("fr;q=2")), Lang::En, "a malformed quality is ignored");
        assert_eq!(Lang::negotiate(Some("de, *")), Lang::En);
    }

    proptest! {
        #[test]
        fn any_header_gives_a_language(header in ".{0,80}") {
            // Never panics, and only a header naming French can give French.
            let lang = Lang::negotiate(Some(&header));
            prop_assert!(lang == Lang::En || header.to_ascii_lowercase().contains("fr"));
        }
    }
}
