//! Every word the widget shows, one table per language. English ships as
//! the default; French proves the mechanism (`data-lang="fr"`). Templates
//! use `{n}`, `{unit}`, `{points}`, `{name}`, `{date}` placeholders; `{unit}`
//! is the program's own name for points ("Stars"), never a word of ours.

use loyalty_core::Timestamp;
use wasm_bindgen::JsValue;

/// One language's words.
pub struct Text {
    /// BCP 47 tag for dates and numbers, and the API's `Accept-Language`.
    pub locale: &'static str,
    /// The same language for core (money in words).
    pub lang: loyalty_core::Lang,
    pub launcher: &'static str,
    pub close: &'static str,
    pub loading: &'static str,
    pub retry: &'static str,
    pub balance: &'static str,
    pub pending: &'static str,
    pub expiring: &'static str,
    pub tier: &'static str,
    pub to_next_tier: &'static str,
    pub top_tier: &'static str,
    /// Tiers over a window: a tier kept through its grace, what counts.
    pub tier_kept: &'static str,
    pub window_until: &'static str,
    pub window_rolling: &'static str,
    pub rewards: &'static str,
    pub history: &'static str,
    pub redeem: &'static str,
    pub redeemable: &'static str,
    pub need_more: &'static str,
    pub not_eligible: &'static str,
    /// A reward whose redemption needs details the widget does not ask for.
    pub needs_details: &'static str,
    pub confirm: &'static str,
    pub confirm_yes: &'static str,
    pub cancel: &'static str,
    pub redeeming: &'static str,
    pub your_code: &'static str,
    /// Heading of the member's gift cards with something left.
    pub gift_cards: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub expires: &'static str,
    pub redeemed_live: &'static str,
    pub no_history: &'static str,
    /// The button that fetches the next page of the history.
    pub older: &'static str,
    pub guest_title: &'static str,
    pub guest_prompt: &'static str,
    pub ways_to_earn: &'static str,
    /// The Earn tab.
    pub earn: &'static str,
    /// What is left of an activity under its caps.
    pub left: &'static str,
    pub done: &'static str,
    pub refer: &'static str,
    pub refer_link: &'static str,
    pub copy_link: &'static str,
    /// What the member's link brought.
    pub referral_counts: &'static str,
    pub referral_counts_pending: &'static str,
    pub errors: &'static [(&'static str, &'static str)],
}

const EN: Text = Text {
    locale: "en",
    lang: loyalty_core::Lang::En,
    launcher: "Rewards",
    close: "Close",
    loading: "Loading…",
    retry: "Try again",
    balance: "Your balance",
    pending: "{n} pending",
    expiring: "{n} expire on {date}",
    tier: "{name} tier",
    to_next_tier: "{n} more to {name}",
    top_tier: "You are in the top tier",
    tier_kept: "{name} is yours until {date}",
    window_until: "Counted this year, until {date}",
    window_rolling: "Counted over the last 12 months",
    rewards: "Rewards",
    history: "History",
    redeem: "Redeem",
    redeemable: "Ready to redeem",
    need_more: "You need {n} more {unit}",
    not_eligible: "Not available to you",
    needs_details: "Redeemed with the store: it needs details from you",
    confirm: "Spend {points} on {name}?",
    confirm_yes: "Confirm",
    cancel: "Cancel",
    redeeming: "Redeeming…",
    your_code: "Your code",
    gift_cards: "Your gift cards",
    copy: "Copy code",
    copied: "Copied",
    expires: "Valid until {date}",
    redeemed_live: "Redeemed {name}. Your code is {code}.",
    no_history: "No activity yet.",
    older: "Show older activity",
    guest_title: "Join our rewards",
    guest_prompt: "Sign in to see your points and redeem rewards.",
    ways_to_earn: "Ways to earn",
    earn: "Earn",
    left: "{n} left",
    done: "Done",
    refer: "Refer a friend",
    refer_link: "Your link",
    copy_link: "Copy link",
    referral_counts: "{joined} joined · {ordered} ordered · {points} earned",
    referral_counts_pending: "{joined} joined · {ordered} ordered · {points} earned ({pending} pending)",
    errors: &[
        ("insufficient_points", "You do not have enough points for this reward."),
        ("not_eligible", "This reward is not available to you."),
        ("reward_unavailable", "This reward is no longer available."),
        ("unauthorized", "Your session has expired. Please sign in again."),
        ("network", "Could not reach the rewards service. Check your connection."),
        ("invalid_response", "The rewards service sent an answer this page cannot read. Please try again."),
    ],
};

const FR: Text = Text {
    locale: "fr",
    lang: loyalty_core::Lang::Fr,
    launcher: "Fidélité",
    close: "Fermer",
    loading: "Chargement…",
    retry: "Réessayer",
    balance: "Votre solde",
    pending: "{n} en attente",
    expiring: "{n} expirent le {date}",
    tier: "Niveau {name}",
    to_next_tier: "Encore {n} pour {name}",
    top_tier: "Vous êtes au niveau le plus élevé",
    tier_kept: "Niveau {name} conservé jusqu'au {date}",
    window_until: "Compté cette année, jusqu'au {date}",
    window_rolling: "Compté sur les 12 derniers mois",
    rewards: "Récompenses",
    history: "Historique",
    redeem: "Échanger",
    redeemable: "Disponible",
    need_more: "Il vous manque {n} {unit}",
    not_eligible: "Non disponible pour vous",
    needs_details: "À échanger auprès de la boutique\u{a0}: il lui faut des précisions",
    confirm: "Dépenser {points} pour {name} ?",
    confirm_yes: "Confirmer",
    cancel: "Annuler",
    redeeming: "Échange…",
    your_code: "Votre code",
    gift_cards: "Vos cartes cadeaux",
    copy: "Copier le code",
    copied: "Copié",
    expires: "Valable jusqu'au {date}",
    redeemed_live: "{name} échangé. Votre code : {code}.",
    no_history: "Aucune activité.",
    older: "Afficher l'activité plus ancienne",
    guest_title: "Rejoignez le programme",
    guest_prompt: "Connectez-vous pour voir vos points et échanger des récompenses.",
    ways_to_earn: "Comment gagner des points",
    earn: "Gagner",
    left: "Encore {n}",
    done: "Fait",
    refer: "Parrainez un ami",
    refer_link: "Votre lien",
    copy_link: "Copier le lien",
    referral_counts: "{joined} inscrits · {ordered} ont commandé · {points} gagnés",
    referral_counts_pending: "{joined} inscrits · {ordered} ont commandé · {points} gagnés (dont {pending} en attente)",
    errors: &[
        ("insufficient_points", "Vous n'avez pas assez de points pour cette récompense."),
        ("not_eligible", "Cette récompense ne vous est pas accessible."),
        ("reward_unavailable", "Cette récompense n'est plus disponible."),
        ("unauthorized", "Votre session a expiré. Veuillez vous reconnecter."),
        ("network", "Le service de fidélité est injoignable. Vérifiez votre connexion."),
        (
            "invalid_response",
            "Le service de fidélité a envoyé une réponse illisible pour cette page. Veuillez réessayer.",
        ),
    ],
};

impl Text {
    /// The table for a language tag (`fr`, `fr-CA`, `fr_FR`, …) by its
    /// primary subtag; English otherwise.
    pub fn for_lang(lang: &str) -> &'static Text {
        let tag = lang.as_bytes();
        let primary = tag.iter().position(|b| matches!(b, b'-' | b'_')).map_or(tag, |end| &tag[..end]);
        if primary.eq_ignore_ascii_case(b"fr") {
            &FR
        } else {
            &EN
        }
    }

    /// The words for an API error code, falling back to the API's message.
    pub fn error(&self, code: &str, message: &str) -> String {
        self.errors.iter().find(|(c, _)| *c == code).map_or_else(|| message.to_owned(), |(_, m)| (*m).to_owned())
    }
}

/// Fills `{key}` placeholders in one pass, so a value that itself holds
/// braces (a merchant's reward name) is never filled again, which chained
/// `str::replace` calls would do. Unknown keys stay as written.
pub fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    // Braces are ASCII, so a byte index of one is a char boundary.
    let find = |s: &str, brace: u8| s.bytes().position(|b| b == brace);
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = find(rest, b'{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = find(after, b'}')
            .and_then(|close| pairs.iter().find(|(k, _)| *k == &after[..close]).map(|(_, v)| (*v, close)));
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A count of points as the shopper's language writes it ("12,500",
/// "12 500"), by the browser's `Intl` like [`day`]. Points are integers
/// well inside the 2^53 an `f64` holds exactly.
pub fn number(n: i64, text: &Text) -> String {
    js_sys::Number::from(n as f64).to_locale_string(text.locale).into()
}

/// An instant as a date in the shopper's language and time zone ("Dec 22,
/// 2026", "22 déc. 2026"), by the browser's `Intl`: no date formatting in
/// the wasm.
pub fn day(at: Timestamp, text: &Text) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(at.0 as f64 * 1000.0));
    let options = js_sys::Object::new();
    for (key, value) in [("year", "numeric"), ("month", "short"), ("day", "numeric")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    date.to_locale_date_string(text.locale, &options).into()
}

#[cfg(test)]
mod tests {
    use super::{fill, Text};

    #[test]
    fn picks_the_table_by_the_primary_language_subtag() {
        for tag in ["fr", "FR", "fr-CA", "fr_FR"] {
            assert_eq!(Text::for_lang(tag).locale, "fr", "{tag}");
        }
        for tag in ["en", "en-GB", "", "f", "fra", "frr-DE", "de-fr"] {
            assert_eq!(Text::for_lang(tag).locale, "en", "{tag}");
        }
    }

    #[test]
    fn fills_each_placeholder_once_and_leaves_the_rest() {
        assert_eq!(
            fill("Spend {points} points on {name}?", &[("points", "1,200"), ("name", "Tote")]),
            "Spend 1,200 points on Tote?"
        );
        assert_eq!(fill("{n}{n}", &[("n", "7")]), "77");
        // A value holding a placeholder is not filled again.
        assert_eq!(
            fill("Redeemed {name}. Code {code}", &[("name", "{code}"), ("code", "LOY-1")]),
            "Redeemed {code}. Code LOY-1"
        );
        assert_eq!(fill("{unknown} { } {n", &[("n", "1")]), "{unknown} { } {n");
        assert_eq!(fill("Niveau {name} é", &[("name", "Or")]), "Niveau Or é");
    }
}
