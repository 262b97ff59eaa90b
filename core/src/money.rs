//! Money as the wire carries it (integer minor units and an ISO 4217 code)
//! and as shoppers read it ("$10.50", "10,50 $US").
//!
//! Core words money, not the browser's `Intl`, because the API's earn
//! rules ("Earn 1 point for every $1.00 spent") and the widget's coupon
//! ("$5.00 off") must write the same amount the same way, and the Worker
//! has no `Intl` worth relying on. Integer arithmetic only.

use crate::lang::Lang;

/// Whether `s` looks like an ISO 4217 code (three capital letters).
pub fn is_currency(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Minor-unit digits of a currency (ISO 4217 exponent): 0 for the few
/// currencies without minor units, 3 for the dinars, else 2.
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

/// The symbol shoppers know a currency by, in English and in French (as
/// CLDR writes them for `en` and `fr`); other currencies keep their code.
fn symbol(currency: &str, lang: Lang) -> Option<&'static str> {
    let (en, fr) = match currency {
        "USD" => ("$", "$US"),
        "EUR" => ("€", "€"),
        "GBP" => ("£", "£GB"),
        "CAD" => ("CA$", "$CA"),
        "AUD" => ("A$", "$AU"),
        "JPY" => ("¥", "JPY"),
        _ => return None,
    };
    Some(if lang == Lang::Fr { fr } else { en })
}

/// `amount_minor` of `currency` for a shopper reading `lang`:
/// `1234550, "USD"` is "$12,345.50" in English and "12 345,50 $US" in
/// French (a narrow no-break space between thousands, a no-break space
/// before the symbol, so neither is ever split across lines). A currency
/// without a known symbol is written with its code: "CHF 5.00", "5,00 CHF".
pub fn format(amount_minor: i64, currency: &str, lang: Lang) -> String {
    let digits = minor_digits(currency);
    let scale = 10u64.pow(digits);
    let a = amount_minor.unsigned_abs();
    let sign = if amount_minor < 0 { "-" } else { "" };
    let (group, point) = if lang == Lang::Fr { ("\u{202f}", ",") } else { (",", ".") };
    // Built from pieces, not with `format!`: this was the widget's only
    // use of Rust's formatting machinery, which the widget would
    // otherwise link for this alone.
    let mut number = grouped(a / scale, group);
    if digits > 0 {
        number.push_str(point);
        // The minor units zero-padded to `digits`: the digits of
        // `scale + minor` after its leading 1.
        number.push_str(&(scale + a % scale).to_string()[1..]);
    }
    match (lang, symbol(currency, lang)) {
        (Lang::Fr, Some(s)) => [sign, &number, "\u{a0}", s].concat(),
        (Lang::Fr, None) => [sign, &number, "\u{a0}", currency].concat(),
        (Lang::En, Some(s)) => [sign, s, &number].concat(),
        (Lang::En, None) => [sign, currency, "\u{a0}", &number].concat(),
    }
}

/// `1234567` as "1,234,567" (with `sep` between groups of three).
fn grouped(n: u64, sep: &str) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * sep.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn english_and_french_as_shoppers_read_them() {
        assert_eq!(format(1050, "USD", Lang::En), "$10.50");
        assert_eq!(format(1050, "USD", Lang::Fr), "10,50\u{a0}$US");
        assert_eq!(format(5, "EUR", Lang::En), "€0.05");
        assert_eq!(format(123_456_789, "EUR", Lang::Fr), "1\u{202f}234\u{202f}567,89\u{a0}€");
        assert_eq!(format(123_456_789, "GBP", Lang::En), "£1,234,567.89");
        assert_eq!(format(500, "JPY", Lang::En), "¥500");
        assert_eq!(format(500, "JPY", Lang::Fr), "500\u{a0}JPY");
        assert_eq!(format(-1234, "KWD", Lang::En), "-KWD\u{a0}1.234");
        assert_eq!(format(-1234, "KWD", Lang::Fr), "-1,234\u{a0}KWD");
        assert_eq!(format(100_000, "CHF", Lang::En), "CHF\u{a0}1,000.00");
        assert_eq!(format(0, "USD", Lang::En), "$0.00");
        assert_eq!(format(i64::MIN, "USD", Lang::En), "-$92,233,720,368,547,758.08");
    }

    proptest! {
        /// Whatever the language, the digits written are the amount's
        /// digits: no rounding, no float, nothing lost or added.
        #[test]
        fn the_digits_are_the_amount(
            amount in any::<i64>(),
            currency in prop::sample::select(vec!["USD", "EUR", "JPY", "KWD", "CHF", "XOF"]),
            fr in any::<bool>(),
        ) {
            let lang = if fr { Lang::Fr } else { Lang::En };
            let s = format(amount, currency, lang);
            let digits: String = s.chars().filter(char::is_ascii_digit).collect();
            let expected = format!("{:0>width$}", amount.unsigned_abs(), width = minor_digits(currency) as usize + 1);
            prop_assert_eq!(digits, expected);
            prop_assert_eq!(s.starts_with('-'), amount < 0);
        }
    }
}
