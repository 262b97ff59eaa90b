//! Coupon codes and the discounts they give at checkout.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::money;
use crate::reward::{DiscountSpec, RewardKind};
use crate::timestamp::Timestamp;

/// Characters of generated codes: digits and capitals without the
/// look-alikes 0/O and 1/I/L, so a shopper can read a code aloud or retype it.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Random characters in a generated code: 31^12 ≈ 2^59 possibilities, far
/// beyond guessing through a rate-limited validation endpoint.
pub const RANDOM_CHARS: usize = 12;

/// Longest code accepted anywhere (pool codes included).
pub const MAX_CODE_LEN: usize = 64;

/// `len` characters drawn uniformly from [`ALPHABET`].
///
/// `fill` must fill a buffer from a CSPRNG (the edge passes `getrandom`);
/// bytes are drawn by rejection sampling, so every character is uniform.
pub fn random_chars(len: usize, fill: &mut dyn FnMut(&mut [u8])) -> String {
    let mut chars = Vec::with_capacity(len);
    let mut buf = [0u8; 32];
    // 248 = 31 * 8: bytes at or above it would bias the modulo.
    while chars.len() < len {
        fill(&mut buf);
        chars.extend(buf.iter().filter(|b| **b < 248).map(|b| ALPHABET[usize::from(*b % 31)]).take(len - chars.len()));
    }
    String::from_utf8(chars).expect("the alphabet is ASCII")
}

/// Makes a code: `PREFIX-XXXX-XXXX-XXXX` (or without the prefix part),
/// from [`RANDOM_CHARS`] characters of [`random_chars`].
pub fn generate(prefix: &str, fill: &mut dyn FnMut(&mut [u8])) -> String {
    let chars = random_chars(RANDOM_CHARS, fill);
    let body: Vec<&str> = (0..RANDOM_CHARS).step_by(4).map(|i| &chars[i..(i + 4).min(RANDOM_CHARS)]).collect();
    if prefix.is_empty() {
        body.join("-")
    } else {
        format!("{prefix}-{}", body.join("-"))
    }
}

/// Normalises what a shopper typed (trim, upper-case) and rejects garbage
/// before any storage lookup: 3 to 64 characters of `A-Z 0-9 - _`.
pub fn normalize(code: &str) -> Option<String> {
    let c = code.trim().to_ascii_uppercase();
    let ok = (3..=MAX_CODE_LEN).contains(&c.len())
        && c.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    ok.then_some(c)
}

/// The shortest pre-made code a merchant may upload to a pool: shorter ones
/// can be guessed by trying them all.
pub const MIN_POOL_CODE_LEN: usize = 8;

/// [`normalize`] for a pre-made pool code, which must also be at least
/// [`MIN_POOL_CODE_LEN`] characters long.
pub fn normalize_pool_code(code: &str) -> Option<String> {
    normalize(code).filter(|c| c.len() >= MIN_POOL_CODE_LEN)
}

/// Why a code does not apply (`reason` of `POST /v1/coupons/validate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvalidReason {
    /// No such issued code.
    NotFound,
    /// Already redeemed on an order.
    AlreadyUsed,
    /// Past its expiry.
    Expired,
    /// The order is below the coupon's minimum.
    MinOrderNotMet,
    /// The order's currency differs from the fixed discount's.
    CurrencyMismatch,
}

/// The discount as checkout applies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Discount {
    /// The reward kind (`fixed_amount_discount`, …).
    pub kind: RewardKind,
    /// Minor units off: the fixed amount, or the percentage of the order
    /// when its amount is known; never more than the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    /// Currency of `amount_minor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Percentage for percentage discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u32>,
    /// SKU of a free product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
}

/// The discount a reward gives on an order of `order_minor` (if known).
/// Percentages round down to the minor unit (in the merchant's favour, at
/// most one minor unit); a fixed amount is capped at the order amount.
pub fn discount(kind: RewardKind, spec: &DiscountSpec, order_minor: Option<i64>) -> Discount {
    let amount_minor = match kind {
        // A gift card's amount is its balance (the edge reads it into the
        // spec); like a fixed amount, it pays at most the order.
        RewardKind::FixedAmountDiscount | RewardKind::GiftCard => {
            spec.amount_minor.map(|a| order_minor.map_or(a, |o| a.min(o.max(0))))
        }
        RewardKind::PercentageDiscount => order_minor
            .zip(spec.percent)
            .map(|(o, p)| i64::try_from(i128::from(o.max(0)) * i128::from(p) / 100).unwrap_or(0)),
        RewardKind::FreeShipping | RewardKind::FreeProduct => None,
    };
    Discount {
        kind,
        amount_minor,
        currency: spec.currency.clone(),
        percent: if kind == RewardKind::PercentageDiscount { spec.percent } else { None },
        sku: spec.sku.clone(),
    }
}

/// What a coupon gives, in the shopper's words: "$5.00 off", "15% off",
/// "free shipping", "a free product" ("5,00 $US de remise", "15 % de
/// remise", "livraison offerte", "un produit offert"). Core words it, as it
/// words money, so the widget and a store's checkout say what the API
/// says; lower case, because it follows "Your code · ".
pub fn offer_in_words(d: &Discount, lang: Lang) -> String {
    let fr = lang == Lang::Fr;
    let off = |n: &str| [n, if fr { " de remise" } else { " off" }].concat();
    match d.kind {
        RewardKind::FixedAmountDiscount => match (d.amount_minor, d.currency.as_deref()) {
            (Some(a), Some(c)) => off(&money::format(a, c, lang)),
            // A saved reward always has both (reward validation).
            _ => (if fr { "une remise" } else { "a discount" }).to_owned(),
        },
        RewardKind::PercentageDiscount => {
            let p = d.percent.unwrap_or(0).to_string();
            // French sets the sign apart with a no-break space.
            off(&[p.as_str(), if fr { "\u{a0}%" } else { "%" }].concat())
        }
        RewardKind::FreeShipping => (if fr { "livraison offerte" } else { "free shipping" }).to_owned(),
        RewardKind::FreeProduct => (if fr { "un produit offert" } else { "a free product" }).to_owned(),
        RewardKind::GiftCard => match (d.amount_minor, d.currency.as_deref()) {
            (Some(a), Some(c)) if fr => format!("carte cadeau\u{a0}: {} restants", money::format(a, c, lang)),
            (Some(a), Some(c)) => format!("gift card: {} left", money::format(a, c, lang)),
            _ => (if fr { "une carte cadeau" } else { "a gift card" }).to_owned(),
        },
    }
}

/// What is left on a gift card, as the discount it still gives (worded
/// by [`offer_in_words`]: "gift card: $19.00 left").
pub fn gift_card_left(balance_minor: i64, currency: &str) -> Discount {
    Discount {
        kind: RewardKind::GiftCard,
        amount_minor: Some(balance_minor),
        currency: Some(currency.to_owned()),
        percent: None,
        sku: None,
    }
}

/// A coupon's minimum order in words, "Minimum order $20.00" ("Commande
/// minimum 20,00 $US"); `None` when it asks for none. `currency` is the
/// discount's, or the store's for a discount that names none (free
/// shipping, a percentage).
pub fn min_order_in_words(min_order_minor: i64, currency: &str, lang: Lang) -> Option<String> {
    let amount = money::format(min_order_minor, currency, lang);
    (min_order_minor > 0)
        .then(|| [if lang == Lang::Fr { "Commande minimum " } else { "Minimum order " }, &amount].concat())
}

/// An issued coupon, as storage knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCoupon {
    /// The member it was issued to.
    pub customer_id: String,
    /// Whether it was redeemed on an order.
    pub used: bool,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// Smallest order it applies to.
    pub min_order_minor: i64,
    /// What it gives.
    pub kind: RewardKind,
    /// Its parameters.
    pub spec: DiscountSpec,
}

/// Validates a coupon for an order at `now`; the order fields are optional
/// because a storefront may check a code before the cart is final.
pub fn validate(
    coupon: Option<&IssuedCoupon>,
    customer_id: Option<&str>,
    order_minor: Option<i64>,
    currency: Option<&str>,
    now: Timestamp,
) -> Result<Discount, InvalidReason> {
    // Another member's code reads as no code at all: checked first, so that
    // neither its state nor its reward tells a guesser that it exists.
    let c = coupon.filter(|c| customer_id.is_none_or(|id| id == c.customer_id)).ok_or(InvalidReason::NotFound)?;
    if c.used {
        return Err(InvalidReason::AlreadyUsed);
    }
    if c.expires_at.is_some_and(|x| x <= now) {
        return Err(InvalidReason::Expired);
    }
    if order_minor.is_some_and(|o| o < c.min_order_minor) {
        return Err(InvalidReason::MinOrderNotMet);
    }
    // A gift card with nothing left is spent, as a used coupon is.
    if c.kind == RewardKind::GiftCard && c.spec.amount_minor.is_some_and(|a| a <= 0) {
        return Err(InvalidReason::AlreadyUsed);
    }
    if matches!(c.kind, RewardKind::FixedAmountDiscount | RewardKind::GiftCard) {
        if let (Some(want), Some(have)) = (c.spec.currency.as_deref(), currency) {
            if want != have {
                return Err(InvalidReason::CurrencyMismatch);
            }
        }
    }
    Ok(discount(c.kind, &c.spec, order_minor))
}

/// The codes of a pool file (the console's upload): one code a line, in
/// the first column of a CSV (`,` or `;`), quotes removed. A first line
/// that is not a code (a header such as `code`) is skipped, and so are
/// blank lines; any other line that is not a valid pool code is returned
/// as `(line number, text)`, so the merchant sees which line to fix
/// before anything is sent.
pub fn codes_from_csv(text: &str) -> (Vec<String>, Vec<(usize, String)>) {
    let (mut codes, mut bad) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let cell = line.split([',', ';']).next().unwrap_or("").trim().trim_matches('"').trim();
        if cell.is_empty() {
            continue;
        }
        match normalize_pool_code(cell) {
            Some(code) => codes.push(code),
            None if i == 0 => {}
            None => bad.push((i + 1, line.to_owned())),
        }
    }
    (codes, bad)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pool_files_read_their_first_column_and_name_bad_lines() {
        let (codes, bad) = super::codes_from_csv("code,note\nSUMMER2026A,x\n\n\"SUMMER2026B\";y\nno\nWINTER-2026-C\n");
        assert_eq!(codes, vec!["SUMMER2026A", "SUMMER2026B", "WINTER-2026-C"]);
        assert_eq!(bad, vec![(5, "no".to_owned())]);
        let (codes, bad) = super::codes_from_csv("FIRSTCODE1\n");
        assert_eq!((codes, bad.len()), (vec!["FIRSTCODE1".to_owned()], 0));
    }

    use super::*;
    use proptest::prelude::*;

    const NOW: Timestamp = Timestamp(1_800_000_000);

    fn spec(amount_minor: Option<i64>, currency: Option<&str>, percent: Option<u32>) -> DiscountSpec {
        DiscountSpec { amount_minor, currency: currency.map(str::to_owned), percent, sku: None }
    }

    #[test]
    fn words_what_a_coupon_gives_in_both_languages() {
        let cases = [
            (
                RewardKind::FixedAmountDiscount,
                spec(Some(500), Some("USD"), None),
                "$5.00 off",
                "5,00\u{a0}$US de remise",
            ),
            (
                RewardKind::FixedAmountDiscount,
                spec(Some(1000), Some("JPY"), None),
                "¥1,000 off",
                "1\u{202f}000\u{a0}JPY de remise",
            ),
            (RewardKind::PercentageDiscount, spec(None, None, Some(15)), "15% off", "15\u{a0}% de remise"),
            (RewardKind::FreeShipping, spec(None, None, None), "free shipping", "livraison offerte"),
            (RewardKind::FreeProduct, spec(None, None, None), "a free product", "un produit offert"),
            (
                RewardKind::GiftCard,
                spec(Some(1_850), Some("USD"), None),
                "gift card: $18.50 left",
                "carte cadeau\u{a0}: 18,50\u{a0}$US restants",
            ),
        ];
        for (kind, spec, en, fr) in cases {
            let d = discount(kind, &spec, None);
            assert_eq!(offer_in_words(&d, Lang::En), en);
            assert_eq!(offer_in_words(&d, Lang::Fr), fr);
        }
        // At checkout the amount of a percentage is known; the words stay the percentage.
        let d = discount(RewardKind::PercentageDiscount, &spec(None, None, Some(15)), Some(2000));
        assert_eq!(d.amount_minor, Some(300));
        assert_eq!(offer_in_words(&d, Lang::En), "15% off");
    }

    #[test]
    fn words_a_minimum_order_only_when_there_is_one() {
        assert_eq!(min_order_in_words(2000, "USD", Lang::En).as_deref(), Some("Minimum order $20.00"));
        assert_eq!(min_order_in_words(2000, "EUR", Lang::Fr).as_deref(), Some("Commande minimum 20,00\u{a0}€"));
        assert_eq!(min_order_in_words(0, "USD", Lang::En), None);
    }

    fn counter_rng() -> impl FnMut(&mut [u8]) {
        let mut n: u8 = 0;
        move |buf: &mut [u8]| {
            for b in buf {
                *b = n;
                n = n.wrapping_add(37);
            }
        }
    }

    #[test]
    fn codes_have_prefix_and_twelve_clean_characters() {
        let code = generate("LOY", &mut counter_rng());
        assert_eq!(code.len(), 3 + 1 + 14);
        assert!(code.starts_with("LOY-"));
        let body: String = code[4..].chars().filter(|c| *c != '-').collect();
        assert_eq!(body.len(), RANDOM_CHARS);
        assert!(body.bytes().all(|b| ALPHABET.contains(&b)));
        assert!(!body.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(normalize(&code.to_lowercase()), Some(code));
    }

    #[test]
    fn garbage_is_rejected_before_storage() {
        for bad in ["", "ab", "A B C", "LOY-ÄÖÜ", "x'; DROP TABLE coupons;--", &"A".repeat(65)] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
        assert_eq!(normalize("  summer_24 "), Some("SUMMER_24".into()));
    }

    #[test]
    fn discounts() {
        let fixed = DiscountSpec { amount_minor: Some(500), currency: Some("USD".into()), ..Default::default() };
        assert_eq!(
            discount(RewardKind::FixedAmountDiscount, &fixed, Some(300)).amount_minor,
            Some(300),
            "never more than the order"
        );
        assert_eq!(discount(RewardKind::FixedAmountDiscount, &fixed, None).amount_minor, Some(500));
        let pct = DiscountSpec { percent: Some(15), ..Default::default() };
        assert_eq!(discount(RewardKind::PercentageDiscount, &pct, Some(1999)).amount_minor, Some(299), "rounds down");
    }

    #[test]
    fn validation_reasons() {
        let mut c = IssuedCoupon {
            customer_id: "alice".into(),
            used: false,
            expires_at: Some(NOW.plus_days(1)),
            min_order_minor: 1000,
            kind: RewardKind::FixedAmountDiscount,
            spec: DiscountSpec { amount_minor: Some(500), currency: Some("USD".into()), ..Default::default() },
        };
        assert_eq!(validate(None, None, None, None, NOW), Err(InvalidReason::NotFound));
        assert!(validate(Some(&c), Some("alice"), Some(1000), Some("USD"), NOW).is_ok());
        assert_eq!(validate(Some(&c), Some("bob"), None, None, NOW), Err(InvalidReason::NotFound));
        assert_eq!(validate(Some(&c), None, Some(999), None, NOW), Err(InvalidReason::MinOrderNotMet));
        assert_eq!(validate(Some(&c), None, Some(5000), Some("EUR"), NOW), Err(InvalidReason::CurrencyMismatch));
        assert_eq!(validate(Some(&c), None, None, None, NOW.plus_days(1)), Err(InvalidReason::Expired));
        c.used = true;
        assert_eq!(validate(Some(&c), None, None, None, NOW), Err(InvalidReason::AlreadyUsed));
        // Used or expired, someone else's code still reads as none.
        assert_eq!(validate(Some(&c), Some("bob"), None, None, NOW), Err(InvalidReason::NotFound));
        c.used = false;
        assert_eq!(validate(Some(&c), Some("bob"), None, None, NOW.plus_days(2)), Err(InvalidReason::NotFound));
    }

    #[test]
    fn a_gift_card_gives_its_balance_up_to_the_order_and_nothing_once_spent() {
        let mut c = IssuedCoupon {
            customer_id: "alice".into(),
            used: false,
            expires_at: None,
            min_order_minor: 0,
            kind: RewardKind::GiftCard,
            spec: DiscountSpec { amount_minor: Some(1_850), currency: Some("USD".into()), ..Default::default() },
        };
        assert_eq!(validate(Some(&c), None, Some(5_000), Some("USD"), NOW).unwrap().amount_minor, Some(1_850));
        assert_eq!(validate(Some(&c), None, Some(1_000), Some("USD"), NOW).unwrap().amount_minor, Some(1_000));
        assert_eq!(validate(Some(&c), None, Some(1_000), Some("EUR"), NOW), Err(InvalidReason::CurrencyMismatch));
        c.spec.amount_minor = Some(0);
        assert_eq!(validate(Some(&c), None, None, None, NOW), Err(InvalidReason::AlreadyUsed));
    }

    #[test]
    fn pool_codes_are_at_least_eight_characters() {
        assert_eq!(normalize_pool_code(" pool-a01 ").as_deref(), Some("POOL-A01"));
        assert_eq!(normalize_pool_code("POOL-A1"), None);
        assert_eq!(normalize_pool_code("ABC"), None);
        assert_eq!(normalize("ABC").as_deref(), Some("ABC"), "a shopper may still type any code to check");
    }

    proptest! {
        #[test]
        fn any_random_source_gives_a_well_formed_code(seed in any::<u64>()) {
            let mut x = seed;
            let mut rng = move |buf: &mut [u8]| for b in buf { x ^= x << 13; x ^= x >> 7; x ^= x << 17; *b = x as u8; };
            let code = generate("", &mut rng);
            prop_assert_eq!(normalize(&code), Some(code.clone()));
            prop_assert_eq!(code.replace('-', "").len(), RANDOM_CHARS);
        }

        #[test]
        fn a_discount_never_exceeds_the_order(order in 0i64..10_000_000, amount in 1i64..10_000_000, pct in 1u32..=100) {
            let f = DiscountSpec { amount_minor: Some(amount), currency: Some("USD".into()), ..Default::default() };
            prop_assert!(discount(RewardKind::FixedAmountDiscount, &f, Some(order)).amount_minor.unwrap() <= order);
            let p = DiscountSpec { percent: Some(pct), ..Default::default() };
            prop_assert!(discount(RewardKind::PercentageDiscount, &p, Some(order)).amount_minor.unwrap() <= order);
        }
    }
}
