//! Referrals: a member's code and link, who may sign up through it, and
//! which order of the friend earns the referrer their points.
//!
//! The edge stores and calls; the schema re-checks what could change
//! between its read and its write (a friend referred twice at once is
//! refused by `UNIQUE (friend_id)`, migration 0015).

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Characters in a referral code: 31^8, about 2^40 codes, from the
/// coupons' alphabet (no 0/O, 1/I/L to misread).
pub const CODE_CHARS: usize = 8;

/// A new referral code; `fill` fills a buffer from a CSPRNG.
pub fn new_code(fill: &mut dyn FnMut(&mut [u8])) -> String {
    crate::coupon::random_chars(CODE_CHARS, fill)
}

/// A code as a shopper or a link gave it, upper-cased and trimmed; `None`
/// when it cannot be a code (then it is unknown, without a lookup).
pub fn normalize(code: &str) -> Option<String> {
    let c = code.trim().to_ascii_uppercase();
    (c.len() == CODE_CHARS && c.bytes().all(|b| crate::coupon::ALPHABET.contains(&b))).then_some(c)
}

/// The member's link: the program's landing page with `ref=CODE` added to
/// its query (before any `#fragment`).
pub fn link(landing_url: &str, code: &str) -> String {
    let (base, fragment) = match landing_url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (landing_url, None),
    };
    let sep = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    match fragment {
        Some(f) => format!("{base}{sep}ref={code}#{f}"),
        None => format!("{base}{sep}ref={code}"),
    }
}

/// Why a sign-up through a code is refused (409 `referral_invalid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Refused {
    /// No member has this code.
    UnknownCode,
    /// The code is the friend's own (same customer id, or same e-mail).
    OwnCode,
    /// The friend was already referred (by this code or another).
    AlreadyReferred,
    /// The friend has already ordered: referrals are for new customers.
    AlreadyCustomer,
}

impl Refused {
    /// In words, for the error's message.
    pub fn words(self) -> &'static str {
        match self {
            Refused::UnknownCode => "no member has this referral code",
            Refused::OwnCode => "a member cannot use their own referral code",
            Refused::AlreadyReferred => "this customer was already referred",
            Refused::AlreadyCustomer => "this customer has already ordered: referrals are for new customers",
        }
    }

    /// The wire name (`unknown_code`, ...), as the schema's guard raises it.
    pub fn as_str(self) -> &'static str {
        match self {
            Refused::UnknownCode => "unknown_code",
            Refused::OwnCode => "own_code",
            Refused::AlreadyReferred => "already_referred",
            Refused::AlreadyCustomer => "already_customer",
        }
    }

    /// The refusal a guard's message names, if it names one.
    pub fn from_guard(message: &str) -> Option<Refused> {
        [Refused::UnknownCode, Refused::OwnCode, Refused::AlreadyReferred, Refused::AlreadyCustomer]
            .into_iter()
            .find(|r| message.contains(&format!("referral_invalid:{}", r.as_str())))
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.words())
    }
}

/// What the decision knows of the member whose code was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referrer {
    /// Their customer id.
    pub customer_id: String,
    /// Their e-mail, when the store told it.
    pub email: Option<String>,
}

/// What the decision knows of the friend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Friend<'a> {
    /// The friend's customer id.
    pub customer_id: &'a str,
    /// The e-mail the sign-up gave, else the one the store told before.
    pub email: Option<&'a str>,
    /// Whether the friend was already referred.
    pub referred: bool,
    /// Whether the friend already has an order.
    pub ordered: bool,
}

/// Whether `friend` may sign up through the code of `referrer` (`None`
/// when no member has the code).
pub fn check(referrer: Option<&Referrer>, friend: &Friend) -> Result<(), Refused> {
    let referrer = referrer.ok_or(Refused::UnknownCode)?;
    let same_email = match (referrer.email.as_deref(), friend.email) {
        (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
        _ => false,
    };
    if referrer.customer_id == friend.customer_id || same_email {
        return Err(Refused::OwnCode);
    }
    if friend.referred {
        return Err(Refused::AlreadyReferred);
    }
    if friend.ordered {
        return Err(Refused::AlreadyCustomer);
    }
    Ok(())
}

/// Whether an order of `amount_minor` qualifies the friend's referral.
pub fn qualifies(offer: &crate::program::ReferralOffer, amount_minor: i64) -> bool {
    amount_minor >= offer.qualifying_order_min_minor
}

/// Checks the program's referral offer; issues at `referral.*`.
pub fn check_offer(offer: &crate::program::ReferralOffer, bad: &mut impl FnMut(String, &str)) {
    if offer.referrer_points < 0 || offer.referrer_points > 1_000_000 {
        bad("referral.referrer_points".into(), "must be 0 to 1000000");
    }
    if !crate::ids::is_valid_id(&offer.friend_reward_id) {
        bad("referral.friend_reward_id".into(), "must be a reward id");
    }
    if offer.qualifying_order_min_minor < 0 || offer.qualifying_order_min_minor > crate::numbers::MAX_SAFE {
        bad("referral.qualifying_order_min_minor".into(), "must be 0 or more");
    }
    if let Err(Error::Invalid(issues)) = crate::webhook::check_url(&offer.landing_url, true) {
        for i in issues {
            bad("referral.landing_url".into(), &i.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn referrer(id: &str, email: Option<&str>) -> Referrer {
        Referrer { customer_id: id.into(), email: email.map(Into::into) }
    }

    fn friend<'a>(id: &'a str, email: Option<&'a str>) -> Friend<'a> {
        Friend { customer_id: id, email, referred: false, ordered: false }
    }

    #[test]
    fn own_codes_double_referrals_customers_and_unknown_codes_are_refused() {
        let ann = referrer("ann", Some("Ann@Example.com"));
        assert_eq!(check(Some(&ann), &friend("bob", Some("bob@example.com"))), Ok(()));
        assert_eq!(check(Some(&ann), &friend("bob", None)), Ok(()));
        assert_eq!(check(Some(&ann), &friend("ann", None)), Err(Refused::OwnCode));
        assert_eq!(check(Some(&ann), &friend("ann-2", Some(" ann@example.COM"))), Err(Refused::OwnCode));
        assert_eq!(check(None, &friend("bob", None)), Err(Refused::UnknownCode));
        let again = Friend { referred: true, ..friend("bob", None) };
        assert_eq!(check(Some(&ann), &again), Err(Refused::AlreadyReferred));
        let ordered = Friend { ordered: true, ..friend("bob", None) };
        assert_eq!(check(Some(&ann), &ordered), Err(Refused::AlreadyCustomer));
        assert_eq!(
            Refused::from_guard("D1_ERROR: referral_invalid:own_code: SQLITE_CONSTRAINT"),
            Some(Refused::OwnCode)
        );
    }

    #[test]
    fn the_link_adds_the_code_to_the_landing_page_query() {
        assert_eq!(link("https://shop.example/join", "K7Q2MX9D"), "https://shop.example/join?ref=K7Q2MX9D");
        assert_eq!(link("https://shop.example/?utm=x", "K7Q2MX9D"), "https://shop.example/?utm=x&ref=K7Q2MX9D");
        assert_eq!(link("https://shop.example/j#top", "K7Q2MX9D"), "https://shop.example/j?ref=K7Q2MX9D#top");
        assert_eq!(link("https://shop.example/j?", "K7Q2MX9D"), "https://shop.example/j?ref=K7Q2MX9D");
    }

    proptest! {
        /// Every code made reads back as itself, however it is typed.
        #[test]
        fn codes_normalize_to_themselves(seed in any::<u64>()) {
            let mut state = seed;
            let code = new_code(&mut |buf| for b in buf.iter_mut() {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                *b = (state >> 56) as u8;
            });
            prop_assert_eq!(code.len(), CODE_CHARS);
            prop_assert_eq!(normalize(&format!("  {} ", code.to_lowercase())), Some(code.clone()));
            prop_assert_eq!(normalize(&code[1..]), None);
        }
    }
}
