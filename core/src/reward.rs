//! The rewards catalog: the reward object of the API contract.
//!
//! [`Reward::from_json`] is the one way a reward enters the system: it
//! checks types, then every rule, and reports all problems at once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::eligibility::Eligibility;
use crate::error::{Error, Issue};
use crate::ids::{check_id, is_valid_id};
use crate::money::is_currency;

/// What a reward gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RewardKind {
    /// A fixed amount off (`discount.amount_minor` + `currency`).
    FixedAmountDiscount,
    /// A percentage off (`discount.percent`, 1 to 100).
    PercentageDiscount,
    /// Free shipping.
    FreeShipping,
    /// A free product (`discount.sku`).
    FreeProduct,
    /// A store gift card: a code with a balance of `discount.amount_minor`
    /// in `currency`, debited in parts across orders
    /// (`POST /v1/gift-cards/{code}/debit`).
    GiftCard,
}

impl RewardKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RewardKind::FixedAmountDiscount => "fixed_amount_discount",
            RewardKind::PercentageDiscount => "percentage_discount",
            RewardKind::FreeShipping => "free_shipping",
            RewardKind::FreeProduct => "free_product",
            RewardKind::GiftCard => "gift_card",
        }
    }
}

/// The discount's parameters; which fields apply depends on the kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DiscountSpec {
    /// Fixed amount, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    /// Currency of the fixed amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Percentage, 1 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u32>,
    /// The free product's SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
}

/// How coupon codes for this reward are made and what they require.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CouponPolicy {
    /// Prefix of generated codes (0 to 12 of `A-Z 0-9`).
    #[serde(default)]
    pub prefix: String,
    /// Days a code stays valid after it is issued; `None`: no expiry.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
    /// Smallest order the code applies to, minor units.
    #[serde(default)]
    pub min_order_minor: i64,
    /// Hand out only pre-made codes from the pool; when it is empty the
    /// reward is unavailable.
    #[serde(default)]
    pub pool_only: bool,
}

impl Default for CouponPolicy {
    fn default() -> Self {
        CouponPolicy { prefix: String::new(), expires_in_days: Some(30), min_order_minor: 0, pool_only: false }
    }
}

/// Redemption limits; `None` means unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Times one member may redeem it.
    #[serde(default)]
    pub per_member: Option<u32>,
    /// Times it may be redeemed in all.
    #[serde(default)]
    pub total: Option<u32>,
}

/// A reward, as stored and as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Reward {
    /// Its id (from the URL path when saved).
    #[serde(default)]
    pub reward_id: String,
    /// Short name, e.g. "$5 off".
    pub name: String,
    /// Longer description.
    #[serde(default)]
    pub description: String,
    /// Inactive rewards are kept for history but cannot be redeemed.
    #[serde(default = "yes")]
    pub active: bool,
    /// What it gives.
    pub kind: RewardKind,
    /// Points it costs.
    pub points_cost: i64,
    /// The discount's parameters.
    #[serde(default)]
    pub discount: DiscountSpec,
    /// Whether shoppers who are not signed in see it.
    #[serde(default)]
    pub show_to_guests: bool,
    /// Coupon policy.
    #[serde(default)]
    pub coupon: CouponPolicy,
    /// Who may redeem it.
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Redemption limits.
    #[serde(default)]
    pub limits: Limits,
    /// A picture of it (`https:` only), shown with its name as the text
    /// alternative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Words shown before confirming and with the result, per language
    /// (`en`, `fr`); plain text, never markup.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<String, RewardTexts>,
    /// What a redemption must say about itself (seed 004): each checked at
    /// redemption and stored with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transaction_attributes: Vec<TransactionAttribute>,
}

/// A reward's own words in one language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RewardTexts {
    /// Shown before the shopper confirms.
    #[serde(default)]
    pub confirm: String,
    /// Shown with the result.
    #[serde(default)]
    pub after: String,
}

/// One attribute a redemption of the reward carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TransactionAttribute {
    /// Its key in a redemption's `attributes`.
    pub attribute_id: String,
    /// What it is, for people.
    pub name: String,
    /// The type of its value.
    #[serde(rename = "type")]
    pub kind: AttributeType,
    /// Whether every redemption must carry it.
    #[serde(default)]
    pub mandatory: bool,
}

/// The type of an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttributeType {
    /// A string of 1 to 500 characters.
    Text,
    /// An integer within ±(2^53 − 1).
    Number,
    /// true or false.
    Boolean,
}

/// An attribute's value in a redemption: text, an integer or a boolean.
///
/// Read by its own visitor rather than `#[serde(untagged)]`, whose error
/// ("data did not match any variant") names nothing a store's developer
/// can act on, and which buffers every value in serde's private `Content`
/// first; this one says what it got. (The widget never reads one: a
/// self-describing read links serde-wasm-bindgen's `deserialize_any`, a
/// cost measured in kilobytes; history lines carry the attributes in
/// words, `ledger::Line::RedemptionWith`.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum AttributeValue {
    /// true or false.
    Boolean(bool),
    /// An integer.
    Number(i64),
    /// Text.
    Text(String),
}

impl<'de> Deserialize<'de> for AttributeValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = AttributeValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("text, an integer or a boolean")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<AttributeValue, E> {
                Ok(AttributeValue::Boolean(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<AttributeValue, E> {
                Ok(AttributeValue::Number(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<AttributeValue, E> {
                i64::try_from(v).map(AttributeValue::Number).map_err(|_| E::custom("an integer too large"))
            }
            // JavaScript numbers reach serde-wasm-bindgen as f64: whole
            // ones are integers. The message names no figure: formatting
            // a float would link float printing into the widget.
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<AttributeValue, E> {
                if v.fract() == 0.0 && v.abs() <= crate::numbers::MAX_SAFE as f64 {
                    Ok(AttributeValue::Number(v as i64))
                } else {
                    Err(E::custom("a number that is not an integer"))
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AttributeValue, E> {
                Ok(AttributeValue::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<AttributeValue, E> {
                Ok(AttributeValue::Text(v))
            }
            // What else a reader may find says so in words of its own: the
            // defaults word it through `Unexpected`, whose formatting of
            // floats would be linked with them.
            fn visit_unit<E: serde::de::Error>(self) -> Result<AttributeValue, E> {
                Err(E::custom("null, not text, an integer or a boolean"))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<AttributeValue, E> {
                self.visit_unit()
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<AttributeValue, A::Error> {
                Err(serde::de::Error::custom("a list, not text, an integer or a boolean"))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<AttributeValue, A::Error> {
                Err(serde::de::Error::custom("an object, not text, an integer or a boolean"))
            }
            fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<AttributeValue, E> {
                Err(E::custom("bytes, not text, an integer or a boolean"))
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<AttributeValue, E> {
                i64::try_from(v).map(AttributeValue::Number).map_err(|_| E::custom("an integer too large"))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<AttributeValue, E> {
                i64::try_from(v).map(AttributeValue::Number).map_err(|_| E::custom("an integer too large"))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl AttributeValue {
    /// The value as a person reads it ("M", "2", "yes").
    pub fn to_text(&self) -> String {
        match self {
            AttributeValue::Boolean(true) => "yes".into(),
            AttributeValue::Boolean(false) => "no".into(),
            AttributeValue::Number(n) => n.to_string(),
            AttributeValue::Text(t) => t.clone(),
        }
    }
}

/// The languages a reward's `texts` may be written in.
pub const TEXT_LANGUAGES: [&str; 2] = ["en", "fr"];

/// Whether `url` is an `https:` URL with a host and nothing a page could
/// misread (no spaces, quotes, angle brackets or control characters).
pub fn is_image_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    url.len() <= 2048
        && !host.is_empty()
        && !host.contains('@')
        && url.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'))
}

/// Checks a redemption's `attributes` against the reward's
/// `transaction_attributes`: every mandatory one present, none unknown,
/// each of its type; all problems at once.
pub fn check_attributes(defs: &[TransactionAttribute], given: &BTreeMap<String, AttributeValue>) -> Result<(), Error> {
    let mut issues = Vec::new();
    for d in defs {
        let path = format!("attributes.{}", d.attribute_id);
        match (given.get(&d.attribute_id), d.kind) {
            (None, _) if d.mandatory => issues.push(Issue::new(path, format!("{} is required", d.name))),
            (None, _) => {}
            (Some(AttributeValue::Text(t)), AttributeType::Text) => {
                if t.trim().is_empty() || t.chars().count() > 500 || t.chars().any(char::is_control) {
                    issues.push(Issue::new(path, "must be 1 to 500 characters of text"));
                }
            }
            (Some(AttributeValue::Number(n)), AttributeType::Number) => {
                if n.unsigned_abs() > crate::numbers::MAX_SAFE as u64 {
                    issues.push(Issue::new(path, "must be within ±(2^53 − 1)"));
                }
            }
            (Some(AttributeValue::Boolean(_)), AttributeType::Boolean) => {}
            (Some(_), kind) => issues.push(Issue::new(
                path,
                match kind {
                    AttributeType::Text => "must be text",
                    AttributeType::Number => "must be an integer",
                    AttributeType::Boolean => "must be true or false",
                },
            )),
        }
    }
    for key in given.keys().filter(|k| !defs.iter().any(|d| &d.attribute_id == *k)) {
        issues.push(Issue::new(format!("attributes.{key}"), "is not an attribute of this reward"));
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(issues))
    }
}

/// The names the reward gives the attributes a redemption said, in the
/// reward's order (`[("size", "Size"), ("gift_wrap", "Gift wrap")]`):
/// what its history line shows. Kept with the redemption, so a later
/// rename or removal of an attribute does not rewrite history.
pub fn attribute_labels(
    defs: &[TransactionAttribute],
    said: &BTreeMap<String, AttributeValue>,
) -> Vec<(String, String)> {
    defs.iter()
        .filter(|d| said.contains_key(&d.attribute_id))
        .map(|d| (d.attribute_id.clone(), d.name.clone()))
        .collect()
}

fn yes() -> bool {
    true
}

impl Reward {
    /// The reward's own words in `lang`, if it has any there (the widget
    /// then uses its own).
    pub fn texts_in(&self, lang: crate::Lang) -> Option<&RewardTexts> {
        self.texts.get(lang.code())
    }

    /// Parses and validates a reward saved under `reward_id` (from the URL).
    pub fn from_json(reward_id: &str, json: &[u8]) -> Result<Reward, Error> {
        check_id("reward_id", reward_id)?;
        let mut r: Reward = serde_json::from_slice(json).map_err(|e| Error::invalid("", e.to_string()))?;
        if !r.reward_id.is_empty() && r.reward_id != reward_id {
            return Err(Error::invalid("reward_id", "must match the reward_id in the path"));
        }
        r.reward_id = reward_id.to_owned();
        r.validate()?;
        Ok(r)
    }

    /// Checks every rule; all problems at once.
    pub fn validate(&self) -> Result<(), Error> {
        let mut issues = Vec::new();
        let mut bad = |p: &str, m: &str| issues.push(Issue::new(p, m));
        if !is_valid_id(&self.reward_id) {
            bad("reward_id", "must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @");
        }
        if self.name.trim().is_empty() || self.name.len() > 100 {
            bad("name", "must be 1 to 100 characters");
        }
        if self.description.len() > 1000 {
            bad("description", "must be at most 1000 characters");
        }
        if self.points_cost <= 0 || self.points_cost > 1_000_000_000 {
            bad("points_cost", "must be 1 to 1000000000");
        }
        let d = &self.discount;
        match self.kind {
            RewardKind::FixedAmountDiscount | RewardKind::GiftCard => {
                let kind = self.kind.as_str();
                if d.amount_minor.is_none_or(|a| a <= 0 || a > crate::numbers::MAX_SAFE) {
                    bad("discount.amount_minor", &format!("a {kind} needs a positive amount_minor (at most 2^53 - 1)"));
                }
                if !d.currency.as_deref().is_some_and(is_currency) {
                    bad("discount.currency", &format!("a {kind} needs an ISO 4217 currency"));
                }
            }
            RewardKind::PercentageDiscount => {
                if !d.percent.is_some_and(|p| (1..=100).contains(&p)) {
                    bad("discount.percent", "a percentage_discount needs a percent from 1 to 100");
                }
            }
            RewardKind::FreeShipping => {}
            RewardKind::FreeProduct => {
                if !d.sku.as_deref().is_some_and(|s| !s.is_empty() && s.len() <= 128) {
                    bad("discount.sku", "a free_product needs a sku of 1 to 128 characters");
                }
            }
        }
        let stray = match self.kind {
            RewardKind::FixedAmountDiscount | RewardKind::GiftCard => d.percent.is_some() || d.sku.is_some(),
            RewardKind::PercentageDiscount => d.amount_minor.is_some() || d.sku.is_some() || d.currency.is_some(),
            RewardKind::FreeShipping => *d != DiscountSpec::default(),
            RewardKind::FreeProduct => d.amount_minor.is_some() || d.percent.is_some() || d.currency.is_some(),
        };
        if stray {
            bad("discount", "has fields that do not apply to this kind");
        }
        let c = &self.coupon;
        if c.prefix.len() > 12 || !c.prefix.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            bad("coupon.prefix", "must be 0 to 12 characters of A-Z 0-9");
        }
        if c.expires_in_days.is_some_and(|d| d == 0 || d > 3650) {
            bad("coupon.expires_in_days", "must be 1 to 3650, or null for no expiry");
        }
        if !(0..=crate::numbers::MAX_SAFE).contains(&c.min_order_minor) {
            bad("coupon.min_order_minor", "must be 0 to 2^53 - 1");
        }
        if self.limits.per_member == Some(0) {
            bad("limits.per_member", "must be at least 1, or null for no limit");
        }
        if self.limits.total == Some(0) {
            bad("limits.total", "must be at least 1, or null for no limit");
        }
        if self.image_url.as_deref().is_some_and(|u| !is_image_url(u)) {
            bad("image_url", "must be an https: URL of at most 2048 characters, without spaces or quotes");
        }
        for (lang, t) in &self.texts {
            if !TEXT_LANGUAGES.contains(&lang.as_str()) {
                issues.push(Issue::new(format!("texts.{lang}"), "must be one of the languages en, fr"));
            }
            for (field, text) in [("confirm", &t.confirm), ("after", &t.after)] {
                if text.chars().count() > 500 || text.chars().any(|c| c.is_control() && c != '\n') {
                    issues.push(Issue::new(
                        format!("texts.{lang}.{field}"),
                        "must be at most 500 characters of plain text",
                    ));
                }
            }
        }
        if self.transaction_attributes.len() > 20 {
            issues.push(Issue::new("transaction_attributes", "must be at most 20"));
        }
        for (i, a) in self.transaction_attributes.iter().enumerate() {
            if !is_valid_id(&a.attribute_id) || a.attribute_id.len() > 64 {
                issues.push(Issue::new(
                    format!("transaction_attributes[{i}].attribute_id"),
                    "must be 1 to 64 characters of A-Z a-z 0-9 _ - . : @",
                ));
            }
            if self.transaction_attributes[..i].iter().any(|b| b.attribute_id == a.attribute_id) {
                issues.push(Issue::new(format!("transaction_attributes[{i}].attribute_id"), "is listed twice"));
            }
            if a.name.trim().is_empty() || a.name.chars().count() > 100 {
                issues.push(Issue::new(format!("transaction_attributes[{i}].name"), "must be 1 to 100 characters"));
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(issues))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #[test]
    fn attribute_values_are_text_integers_or_booleans_and_say_what_else_they_got() {
        let got: BTreeMap<String, AttributeValue> =
            serde_json::from_str(r#"{"size": "M", "quantity": 2, "wrap": true, "whole": 3.0}"#).unwrap();
        assert_eq!(got["size"], AttributeValue::Text("M".into()));
        assert_eq!(got["quantity"], AttributeValue::Number(2));
        assert_eq!(got["wrap"], AttributeValue::Boolean(true));
        assert_eq!(got["whole"], AttributeValue::Number(3));
        assert_eq!(got["wrap"].to_text(), "yes");
        for bad in ["1.5", "null", "[]", "{}", "18446744073709551615"] {
            let e = serde_json::from_str::<AttributeValue>(bad).unwrap_err().to_string();
            assert!(!e.contains("did not match any variant"), "{bad}: {e}");
        }
        assert_eq!(serde_json::to_string(&got["quantity"]).unwrap(), "2");
    }

    use super::*;

    pub(crate) const SEED: &str = r#"{
      "reward_id": "5_OFF", "name": "$5 off", "description": "$5 off your next order", "active": true,
      "kind": "fixed_amount_discount", "points_cost": 500,
      "discount": {"amount_minor": 500, "currency": "USD"}, "show_to_guests": true,
      "coupon": {"prefix": "LOY", "expires_in_days": 30, "min_order_minor": 0},
      "eligibility": [
        {"conditions": [
          {"attribute": "enrolled_at", "operator": "between", "value": ["2021-11-01", "2023-02-28"]},
          {"attribute": "tags", "operator": "contains_all", "value": ["cohortA"]}]},
        {"conditions": [{"attribute": "tags", "operator": "contains_all", "value": ["cohortC", "cohortD"]}]}],
      "limits": {"per_member": null, "total": null}
    }"#;

    #[test]
    fn the_contract_example_round_trips() {
        let r = Reward::from_json("5_OFF", SEED.as_bytes()).unwrap();
        let back: serde_json::Value = serde_json::to_value(&r).unwrap();
        let orig: serde_json::Value = serde_json::from_str(SEED).unwrap();
        assert_eq!(back["eligibility"], orig["eligibility"]);
        assert_eq!(back["discount"], orig["discount"]);
        assert_eq!(Reward::from_json("5_OFF", serde_json::to_vec(&r).unwrap().as_slice()).unwrap(), r);
    }

    #[test]
    fn all_problems_at_once() {
        let json = r#"{"name": "", "kind": "percentage_discount", "points_cost": 0,
                       "discount": {"percent": 150, "sku": "X"}, "coupon": {"prefix": "lo y"}, "limits": {"total": 0}}"#;
        let Err(Error::Invalid(issues)) = Reward::from_json("R1", json.as_bytes()) else { panic!() };
        let paths: Vec<_> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["name", "points_cost", "discount.percent", "discount", "coupon.prefix", "limits.total"]);
    }

    #[test]
    fn seed_004_additions_are_checked() {
        let json = r#"{"name": "Tote", "kind": "free_product", "points_cost": 100, "discount": {"sku": "TOTE"},
            "image_url": "https://cdn.example.com/tote.png",
            "texts": {"en": {"confirm": "Ships in 3 days.", "after": "Thanks!"}, "fr": {"confirm": "Expédié sous 3 jours."}},
            "transaction_attributes": [
              {"attribute_id": "size", "name": "Size", "type": "text", "mandatory": true},
              {"attribute_id": "qty", "name": "Quantity", "type": "number"},
              {"attribute_id": "gift", "name": "Gift wrap", "type": "boolean"}]}"#;
        let r = Reward::from_json("TOTE", json.as_bytes()).unwrap();
        assert_eq!(r.texts["fr"].after, "");
        let back = Reward::from_json("TOTE", &serde_json::to_vec(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        let given = |j: &str| serde_json::from_str::<BTreeMap<String, AttributeValue>>(j).unwrap();
        assert!(check_attributes(&r.transaction_attributes, &given(r#"{"size": "M"}"#)).is_ok());
        assert!(check_attributes(&r.transaction_attributes, &given(r#"{"size": "M", "qty": 2, "gift": true}"#)).is_ok());
        let Err(Error::Invalid(issues)) =
            check_attributes(&r.transaction_attributes, &given(r#"{"qty": "two", "gift": 1, "colour": "red"}"#))
        else {
            panic!()
        };
        let paths: Vec<_> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["attributes.size", "attributes.qty", "attributes.gift", "attributes.colour"]);
        for bad in [
            r#""image_url": "http://cdn.example.com/x.png""#,
            r#""image_url": "https://x.example/a b.png""#,
            r#""image_url": "https://""#,
            r#""image_url": "javascript:alert(1)""#,
            r#""texts": {"de": {"confirm": "x"}}"#,
            r#""transaction_attributes": [{"attribute_id": "a", "name": "A", "type": "text"}, {"attribute_id": "a", "name": "B", "type": "text"}]"#,
            r#""transaction_attributes": [{"attribute_id": "a", "name": "A", "type": "date"}]"#,
        ] {
            let json = format!(r#"{{"name": "x", "kind": "free_shipping", "points_cost": 1, {bad}}}"#);
            assert!(Reward::from_json("R", json.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn wrong_types_unknown_kinds_and_id_mismatch_are_rejected() {
        assert!(Reward::from_json("R", br#"{"name":"x","kind":"cash","points_cost":1}"#).is_err());
        assert!(Reward::from_json("R", br#"{"name":"x","kind":"free_shipping","points_cost":"1"}"#).is_err());
        assert!(Reward::from_json("R", br#"{"name":"x","kind":"free_shipping","points_cost":1.5}"#).is_err());
        assert!(
            Reward::from_json("R", br#"{"reward_id":"S","name":"x","kind":"free_shipping","points_cost":1}"#).is_err()
        );
        assert!(Reward::from_json("bad id", br#"{"name":"x","kind":"free_shipping","points_cost":1}"#).is_err());
        assert!(Reward::from_json("R", br#"{"name":"x","kind":"free_shipping","points_cost":1}"#).is_ok());
    }
}
