//! Who may redeem a reward: any-of groups of all-of conditions over member
//! attributes.
//!
//! Rules are parsed once, when a reward is saved, into a typed form in which
//! every (attribute, operator, value) combination is meaningful; a bad rule
//! is a 400 at save time, never a surprise at redemption time. Evaluation
//! says not only yes or no but which condition fails, so the widget can tell
//! a shopper *why* ("only for Gold members").

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value as Json};
use time::Date;

use crate::error::{Error, Issue};
use crate::lang::Lang;
use crate::timestamp::{format_date, parse_date};

/// A member attribute that rules may test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    /// Date the member joined (date).
    EnrolledAt,
    /// Merchant-assigned tags (set of strings).
    Tags,
    /// Current tier name (string).
    Tier,
    /// Lifetime earned points (integer).
    LifetimeEarned,
    /// Birthday (date).
    Birthday,
    /// E-mail address (string, compared case-insensitively).
    Email,
}

const ATTRIBUTES: [(Attribute, &str); 6] = [
    (Attribute::EnrolledAt, "enrolled_at"),
    (Attribute::Tags, "tags"),
    (Attribute::Tier, "tier"),
    (Attribute::LifetimeEarned, "lifetime_earned"),
    (Attribute::Birthday, "birthday"),
    (Attribute::Email, "email"),
];

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// Equal (sets: the same members).
    Equals,
    /// Not equal.
    NotEquals,
    /// Within `[from, to]`, inclusive.
    Between,
    /// Strictly greater (dates: later).
    GreaterThan,
    /// Strictly less (dates: earlier).
    LessThan,
    /// The set holds every listed value.
    ContainsAll,
    /// The set holds at least one listed value (strings: is one of them).
    ContainsAny,
    /// The set holds none of the listed values (strings: is none of them).
    ContainsNone,
}

const OPERATORS: [(Operator, &str); 8] = [
    (Operator::Equals, "equals"),
    (Operator::NotEquals, "not_equals"),
    (Operator::Between, "between"),
    (Operator::GreaterThan, "greater_than"),
    (Operator::LessThan, "less_than"),
    (Operator::ContainsAll, "contains_all"),
    (Operator::ContainsAny, "contains_any"),
    (Operator::ContainsNone, "contains_none"),
];

fn attribute_name(a: Attribute) -> &'static str {
    ATTRIBUTES.iter().find(|(x, _)| *x == a).map(|(_, n)| *n).unwrap_or("")
}

fn operator_name(o: Operator) -> &'static str {
    OPERATORS.iter().find(|(x, _)| *x == o).map(|(_, n)| *n).unwrap_or("")
}

/// A typed operand: the parser only builds combinations that make sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// A date.
    Date(Date),
    /// An inclusive date range.
    DateRange(Date, Date),
    /// An integer.
    Int(i64),
    /// An inclusive integer range.
    IntRange(i64, i64),
    /// A string.
    Text(String),
    /// A list of strings.
    List(Vec<String>),
}

/// One condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// What it tests.
    pub attribute: Attribute,
    /// How.
    pub operator: Operator,
    /// Against what.
    pub operand: Operand,
}

/// All of these conditions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    /// The conditions, all of which must hold.
    pub conditions: Vec<Condition>,
}

/// Any of these groups. Empty means everyone qualifies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Eligibility {
    /// The groups, any of which suffices.
    pub groups: Vec<Group>,
}

/// The member attributes rules read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberAttributes {
    /// Date the member joined.
    pub enrolled_at: Option<Date>,
    /// Birthday.
    pub birthday: Option<Date>,
    /// E-mail.
    pub email: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Current tier name.
    pub tier: Option<String>,
    /// Lifetime earned points.
    pub lifetime_earned: i64,
}

impl Eligibility {
    /// Parses the wire form (`[{"conditions": [...]}, ...]`, or null),
    /// reporting every bad condition with its path under `path`.
    pub fn parse(value: &Json, path: &str) -> Result<Eligibility, Vec<Issue>> {
        let groups = match value {
            Json::Null => return Ok(Eligibility::default()),
            Json::Array(groups) => groups,
            _ => return Err(vec![Issue::new(path, "must be an array of {\"conditions\": [...]} groups")]),
        };
        let mut issues = Vec::new();
        let mut out = Vec::with_capacity(groups.len());
        for (gi, g) in groups.iter().enumerate() {
            let gpath = format!("{path}[{gi}]");
            let conds = match g.as_object() {
                Some(o) if o.keys().all(|k| k == "conditions") => o.get("conditions").and_then(Json::as_array),
                _ => None,
            };
            let Some(conds) = conds else {
                issues.push(Issue::new(gpath, "must be an object with one field, \"conditions\": an array"));
                continue;
            };
            if conds.is_empty() {
                issues.push(Issue::new(format!("{gpath}.conditions"), "must hold at least one condition"));
            }
            let mut group = Group::default();
            for (ci, c) in conds.iter().enumerate() {
                match parse_condition(c) {
                    Ok(c) => group.conditions.push(c),
                    Err(m) => issues.push(Issue::new(format!("{gpath}.conditions[{ci}]"), m)),
                }
            }
            out.push(group);
        }
        if issues.is_empty() {
            Ok(Eligibility { groups: out })
        } else {
            Err(issues)
        }
    }

    /// The wire form.
    pub fn to_json(&self) -> Json {
        Json::Array(
            self.groups
                .iter()
                .map(|g| json!({"conditions": g.conditions.iter().map(Condition::to_json).collect::<Vec<_>>()}))
                .collect(),
        )
    }

    /// `Ok` if the member qualifies; otherwise the condition that stands in
    /// the way: the first failing one of the group closest to passing.
    /// Allocates nothing, so checking a whole catalog is cheap.
    pub fn check<'a>(&'a self, m: &MemberAttributes) -> Result<(), &'a Condition> {
        if self.groups.is_empty() {
            return Ok(());
        }
        let mut best: Option<(usize, &Condition)> = None;
        for g in &self.groups {
            let mut failing = 0;
            let mut first = None;
            for c in &g.conditions {
                if !c.holds(m) {
                    failing += 1;
                    first.get_or_insert(c);
                }
            }
            match first {
                None => return Ok(()),
                Some(c) if best.is_none_or(|(n, _)| failing < n) => best = Some((failing, c)),
                Some(_) => {}
            }
        }
        Err(best.map(|(_, c)| c).expect("non-empty groups"))
    }

    /// True when every member is eligible (no rule), so that deciding
    /// needs no member attributes.
    pub fn is_everyone(&self) -> bool {
        self.groups.is_empty()
    }

    /// `Ok` or the reason in words, e.g. "only for Gold members".
    pub fn explain(&self, m: &MemberAttributes, lang: Lang) -> Result<(), String> {
        self.check(m).map_err(|c| c.describe(lang))
    }
}

fn allowed_operators(attribute: Attribute) -> &'static [Operator] {
    match attribute {
        Attribute::EnrolledAt | Attribute::Birthday | Attribute::LifetimeEarned => {
            &[Operator::Equals, Operator::NotEquals, Operator::Between, Operator::GreaterThan, Operator::LessThan]
        }
        Attribute::Tags => &[Operator::ContainsAll, Operator::ContainsAny, Operator::ContainsNone],
        Attribute::Tier | Attribute::Email => {
            &[Operator::Equals, Operator::NotEquals, Operator::ContainsAny, Operator::ContainsNone]
        }
    }
}

/// The attributes rules may test, by their wire names (rule builders).
pub fn attribute_names() -> [&'static str; 6] {
    ATTRIBUTES.map(|(_, n)| n)
}

/// The operators that apply to the attribute named `attribute`, by wire
/// name; none for an unknown attribute.
pub fn operators_for(attribute: &str) -> Vec<&'static str> {
    ATTRIBUTES
        .iter()
        .find(|(_, n)| *n == attribute)
        .map(|(a, _)| allowed_operators(*a).iter().map(|o| operator_name(*o)).collect())
        .unwrap_or_default()
}

/// A condition's value typed in one text field, as its wire form for that
/// attribute and operator: lists and ranges separated by commas (`a, b`),
/// integers as numbers. What does not read as the type asked for is kept
/// as text, so [`Eligibility::parse`] names the problem at its condition.
pub fn value_from_text(attribute: &str, operator: &str, typed: &str) -> Json {
    let parts = || typed.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
    let number = |p: &str| p.parse::<i64>().map_or_else(|_| json!(p), |n| json!(n));
    match (attribute, operator) {
        ("lifetime_earned", "between") => Json::Array(parts().map(|p| number(&p)).collect()),
        ("lifetime_earned", _) => number(typed.trim()),
        (_, "between") => Json::Array(parts().map(Json::String).collect()),
        (_, "contains_all" | "contains_any" | "contains_none") => Json::Array(parts().map(Json::String).collect()),
        _ => json!(typed.trim()),
    }
}

/// The text a rule builder shows for a stored value: the inverse of
/// [`value_from_text`].
pub fn value_to_text(value: &Json) -> String {
    match value {
        Json::Array(xs) => xs.iter().map(value_to_text).collect::<Vec<_>>().join(", "),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_condition(c: &Json) -> Result<Condition, String> {
    let o = c.as_object().ok_or("must be an object with attribute, operator and value")?;
    if let Some(k) = o.keys().find(|k| !matches!(k.as_str(), "attribute" | "operator" | "value")) {
        return Err(format!("unknown field \"{k}\""));
    }
    let a = o.get("attribute").and_then(Json::as_str).ok_or("attribute must be a string")?;
    let attribute = ATTRIBUTES.iter().find(|(_, n)| *n == a).map(|(x, _)| *x).ok_or_else(|| {
        format!(
            "unknown attribute \"{a}\" (one of {})",
            ATTRIBUTES.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
        )
    })?;
    let op = o.get("operator").and_then(Json::as_str).ok_or("operator must be a string")?;
    let operator = OPERATORS.iter().find(|(_, n)| *n == op).map(|(x, _)| *x).ok_or_else(|| {
        format!(
            "unknown operator \"{op}\" (one of {})",
            OPERATORS.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
        )
    })?;
    let value = o.get("value").ok_or("value is required")?;
    let allowed = allowed_operators(attribute);
    if !allowed.contains(&operator) {
        return Err(format!(
            "operator \"{op}\" does not apply to {a} (use {})",
            allowed.iter().map(|o| operator_name(*o)).collect::<Vec<_>>().join(", ")
        ));
    }
    let operand = match (attribute, operator) {
        (Attribute::EnrolledAt | Attribute::Birthday, Operator::Between) => {
            let (x, y) = pair(value, "two dates YYYY-MM-DD")?;
            let (x, y) = (date(x)?, date(y)?);
            if x > y {
                return Err("value: the first date must not be after the second".into());
            }
            Operand::DateRange(x, y)
        }
        (Attribute::EnrolledAt | Attribute::Birthday, _) => Operand::Date(date(value)?),
        (Attribute::LifetimeEarned, Operator::Between) => {
            let (x, y) = pair(value, "two integers")?;
            let (x, y) = (int(x)?, int(y)?);
            if x > y {
                return Err("value: the first bound must not exceed the second".into());
            }
            Operand::IntRange(x, y)
        }
        (Attribute::LifetimeEarned, _) => Operand::Int(int(value)?),
        (_, Operator::ContainsAll | Operator::ContainsAny | Operator::ContainsNone) => Operand::List(list(value)?),
        _ => Operand::Text(text(value)?),
    };
    Ok(Condition { attribute, operator, operand })
}

fn pair<'a>(v: &'a Json, what: &str) -> Result<(&'a Json, &'a Json), String> {
    match v.as_array().map(Vec::as_slice) {
        Some([x, y]) => Ok((x, y)),
        _ => Err(format!("value must be an array of {what}")),
    }
}

fn date(v: &Json) -> Result<Date, String> {
    v.as_str().and_then(parse_date).ok_or_else(|| format!("value {v} is not a date YYYY-MM-DD"))
}

fn int(v: &Json) -> Result<i64, String> {
    v.as_i64().ok_or_else(|| format!("value {v} is not an integer"))
}

fn text(v: &Json) -> Result<String, String> {
    match v.as_str() {
        Some(s) if !s.is_empty() && s.len() <= 256 => Ok(s.to_owned()),
        _ => Err(format!("value {v} is not a string of 1 to 256 characters")),
    }
}

fn list(v: &Json) -> Result<Vec<String>, String> {
    let items =
        v.as_array().filter(|a| !a.is_empty() && a.len() <= 100).ok_or("value must be an array of 1 to 100 strings")?;
    items.iter().map(text).collect()
}

impl Condition {
    /// Whether the member satisfies this condition. A missing attribute
    /// (no birthday on file) satisfies nothing but `not_equals`/`contains_none`.
    pub fn holds(&self, m: &MemberAttributes) -> bool {
        use Operand as V;
        use Operator as O;
        match self.attribute {
            Attribute::EnrolledAt | Attribute::Birthday => {
                let d = if self.attribute == Attribute::Birthday { m.birthday } else { m.enrolled_at };
                let Some(d) = d else {
                    return self.operator == O::NotEquals;
                };
                match (&self.operator, &self.operand) {
                    (O::Equals, V::Date(x)) => d == *x,
                    (O::NotEquals, V::Date(x)) => d != *x,
                    (O::GreaterThan, V::Date(x)) => d > *x,
                    (O::LessThan, V::Date(x)) => d < *x,
                    (O::Between, V::DateRange(x, y)) => *x <= d && d <= *y,
                    _ => false,
                }
            }
            Attribute::LifetimeEarned => {
                let n = m.lifetime_earned;
                match (&self.operator, &self.operand) {
                    (O::Equals, V::Int(x)) => n == *x,
                    (O::NotEquals, V::Int(x)) => n != *x,
                    (O::GreaterThan, V::Int(x)) => n > *x,
                    (O::LessThan, V::Int(x)) => n < *x,
                    (O::Between, V::IntRange(x, y)) => *x <= n && n <= *y,
                    _ => false,
                }
            }
            Attribute::Tags => {
                let V::List(want) = &self.operand else {
                    return false;
                };
                let has = |t: &String| m.tags.iter().any(|x| x == t);
                match self.operator {
                    O::ContainsAll => want.iter().all(has),
                    O::ContainsAny => want.iter().any(has),
                    O::ContainsNone => !want.iter().any(has),
                    _ => false,
                }
            }
            Attribute::Tier | Attribute::Email => {
                let s = if self.attribute == Attribute::Tier { m.tier.as_deref() } else { m.email.as_deref() };
                let eq =
                    |x: &str| {
                        s.is_some_and(|s| {
                            if self.attribute == Attribute::Email {
                                s.eq_ignore_ascii_case(x)
                            } else {
                                s == x
                            }
                        })
                    };
                match (&self.operator, &self.operand) {
                    (O::Equals, V::Text(x)) => eq(x),
                    (O::NotEquals, V::Text(x)) => !eq(x),
                    (O::ContainsAny, V::List(xs)) => xs.iter().any(|x| eq(x)),
                    (O::ContainsNone, V::List(xs)) => !xs.iter().any(|x| eq(x)),
                    _ => false,
                }
            }
        }
    }

    /// The wire form of this condition.
    pub fn to_json(&self) -> Json {
        let value = match &self.operand {
            Operand::Date(d) => json!(format_date(*d)),
            Operand::DateRange(a, b) => json!([format_date(*a), format_date(*b)]),
            Operand::Int(n) => json!(n),
            Operand::IntRange(a, b) => json!([a, b]),
            Operand::Text(s) => json!(s),
            Operand::List(xs) => json!(xs),
        };
        json!({"attribute": attribute_name(self.attribute), "operator": operator_name(self.operator), "value": value})
    }

    /// What a member must be for this condition to hold, in words, in
    /// `lang`: "only for Gold members", "réservé aux membres Gold".
    pub fn describe(&self, lang: Lang) -> String {
        use Operand as V;
        use Operator as O;
        let fr = lang == Lang::Fr;
        let (and, or) = if fr { ("et", "ou") } else { ("and", "or") };
        let list = |xs: &[String], conj: &str| match xs {
            [] => String::new(),
            [x] => x.clone(),
            [init @ .., last] => format!("{} {conj} {last}", init.join(", ")),
        };
        let range = |o: &Operator, v: &Operand| -> String {
            match (o, v, fr) {
                (O::Equals, V::Date(d), false) => format!("on {}", format_date(*d)),
                (O::Equals, V::Date(d), true) => format!("le {}", format_date(*d)),
                (O::NotEquals, V::Date(d), false) => format!("on a day other than {}", format_date(*d)),
                (O::NotEquals, V::Date(d), true) => format!("un autre jour que le {}", format_date(*d)),
                (O::GreaterThan, V::Date(d), false) => format!("after {}", format_date(*d)),
                (O::GreaterThan, V::Date(d), true) => format!("après le {}", format_date(*d)),
                (O::LessThan, V::Date(d), false) => format!("before {}", format_date(*d)),
                (O::LessThan, V::Date(d), true) => format!("avant le {}", format_date(*d)),
                (O::Between, V::DateRange(a, b), false) => {
                    format!("between {} and {}", format_date(*a), format_date(*b))
                }
                (O::Between, V::DateRange(a, b), true) => {
                    format!("entre le {} et le {}", format_date(*a), format_date(*b))
                }
                (O::Equals, V::Int(n), false) => format!("exactly {n}"),
                (O::Equals, V::Int(n), true) => format!("exactement {n}"),
                (O::NotEquals, V::Int(n), false) => format!("other than {n}"),
                (O::NotEquals, V::Int(n), true) => format!("un autre nombre que {n}"),
                (O::GreaterThan, V::Int(n), false) => format!("more than {n}"),
                (O::GreaterThan, V::Int(n), true) => format!("plus de {n}"),
                (O::LessThan, V::Int(n), false) => format!("fewer than {n}"),
                (O::LessThan, V::Int(n), true) => format!("moins de {n}"),
                (O::Between, V::IntRange(a, b), false) => format!("between {a} and {b}"),
                (O::Between, V::IntRange(a, b), true) => format!("entre {a} et {b}"),
                _ => String::new(),
            }
        };
        let (o, v) = (&self.operator, &self.operand);
        let what = match (self.attribute, o, v, fr) {
            (Attribute::EnrolledAt, o, v, false) => format!("members who joined {}", range(o, v)),
            (Attribute::EnrolledAt, o, v, true) => format!("membres inscrits {}", range(o, v)),
            (Attribute::Birthday, o, v, false) => format!("members born {}", range(o, v)),
            (Attribute::Birthday, o, v, true) => format!("membres nés {}", range(o, v)),
            (Attribute::LifetimeEarned, o, v, false) => format!("members who have earned {} points", range(o, v)),
            (Attribute::LifetimeEarned, o, v, true) => format!("membres ayant gagné {} points", range(o, v)),
            (Attribute::Tags, O::ContainsAll, V::List(xs), false) => format!("members tagged {}", list(xs, and)),
            (Attribute::Tags, O::ContainsAll, V::List(xs), true) => format!("membres étiquetés {}", list(xs, and)),
            (Attribute::Tags, O::ContainsAny, V::List(xs), false) => format!("members tagged {}", list(xs, or)),
            (Attribute::Tags, O::ContainsAny, V::List(xs), true) => format!("membres étiquetés {}", list(xs, or)),
            (Attribute::Tags, _, V::List(xs), false) => format!("members not tagged {}", list(xs, or)),
            (Attribute::Tags, _, V::List(xs), true) => format!("membres non étiquetés {}", list(xs, or)),
            (Attribute::Tier, O::Equals, V::Text(t), false) => format!("{t} members"),
            (Attribute::Tier, O::Equals, V::Text(t), true) => format!("membres {t}"),
            (Attribute::Tier, O::NotEquals, V::Text(t), false) => format!("members outside the {t} tier"),
            (Attribute::Tier, O::NotEquals, V::Text(t), true) => format!("membres hors du niveau {t}"),
            (Attribute::Tier, O::ContainsAny, V::List(xs), false) => format!("{} members", list(xs, or)),
            (Attribute::Tier, O::ContainsAny, V::List(xs), true) => format!("membres {}", list(xs, or)),
            (Attribute::Tier, _, V::List(xs), false) => format!("members outside the {} tiers", list(xs, and)),
            (Attribute::Tier, _, V::List(xs), true) => format!("membres hors des niveaux {}", list(xs, and)),
            (Attribute::Email, O::Equals | O::ContainsAny, _, false) => "specific members".to_owned(),
            (Attribute::Email, O::Equals | O::ContainsAny, _, true) => "certains membres".to_owned(),
            (_, _, _, false) => "other members".to_owned(),
            (_, _, _, true) => "d'autres membres".to_owned(),
        };
        match (fr, what.starts_with("membres")) {
            (false, _) => format!("only for {what}"),
            // "à les membres" contracts to "aux membres".
            (true, true) => format!("réservé aux {what}"),
            (true, false) => format!("réservé à {what}"),
        }
    }
}

impl Serialize for Eligibility {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Eligibility {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Json::deserialize(d)?;
        Eligibility::parse(&v, "eligibility").map_err(|issues| D::Error::custom(Error::Invalid(issues)))
    }
}

/// Any-of groups of all-of conditions, as the contract writes them; the
/// value's type depends on the attribute and operator, which the parser
/// checks ([`Eligibility::parse`]).
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Eligibility {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Eligibility".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "conditions": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "properties": {
                                "attribute": {"enum": ["enrolled_at", "tags", "tier", "lifetime_earned", "birthday", "email"]},
                                "operator": {"enum": ["equals", "not_equals", "between", "greater_than", "less_than", "contains_all", "contains_any", "contains_none"]},
                                "value": {}
                            },
                            "required": ["attribute", "operator", "value"],
                            "additionalProperties": false
                        }
                    }
                },
                "required": ["conditions"],
                "additionalProperties": false
            }
        })
    }
}

#[cfg(test)]
mod builder_tests {
    use super::*;

    /// What a builder types round-trips through the wire form of every
    /// condition the parser accepts, and a typo is named by the parser.
    #[test]
    fn typed_values_become_the_wire_form_the_parser_reads() {
        let cases = [
            ("tags", "contains_any", "vip, gold", json!(["vip", "gold"])),
            ("tier", "equals", " Gold ", json!("Gold")),
            ("email", "contains_none", "a@x.io", json!(["a@x.io"])),
            ("lifetime_earned", "greater_than", "1000", json!(1000)),
            ("lifetime_earned", "between", "10, 20", json!([10, 20])),
            ("enrolled_at", "between", "2026-01-01, 2026-06-30", json!(["2026-01-01", "2026-06-30"])),
            ("birthday", "less_than", "2000-01-01", json!("2000-01-01")),
        ];
        for (a, o, typed, wire) in cases {
            let v = value_from_text(a, o, typed);
            assert_eq!(v, wire, "{a} {o}");
            assert!(operators_for(a).contains(&o));
            let rule = json!([{"conditions": [{"attribute": a, "operator": o, "value": v}]}]);
            assert!(Eligibility::parse(&rule, "e").is_ok(), "{a} {o}");
            assert_eq!(value_from_text(a, o, &value_to_text(&v)), v);
        }
        let typo = json!([{"conditions": [{"attribute": "lifetime_earned", "operator": "equals", "value": value_from_text("lifetime_earned", "equals", "1k")}]}]);
        let issues = Eligibility::parse(&typo, "eligibility").unwrap_err();
        assert_eq!(issues[0].path, "eligibility[0].conditions[0]");
        assert!(operators_for("nope").is_empty());
        assert_eq!(attribute_names().len(), 6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    fn seed_rule() -> Eligibility {
        Eligibility::parse(
            &json!([
                {"conditions": [
                    {"attribute": "enrolled_at", "operator": "between", "value": ["2021-11-01", "2023-02-28"]},
                    {"attribute": "tags", "operator": "contains_all", "value": ["cohortA"]}
                ]},
                {"conditions": [{"attribute": "tags", "operator": "contains_all", "value": ["cohortC", "cohortD"]}]}
            ]),
            "eligibility",
        )
        .unwrap()
    }

    fn member(enrolled: &str, tags: &[&str]) -> MemberAttributes {
        MemberAttributes {
            enrolled_at: Some(d(enrolled)),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn any_group_of_all_conditions() {
        let r = seed_rule();
        assert!(r.check(&member("2022-01-01", &["cohortA"])).is_ok());
        assert!(r.check(&member("2021-11-01", &["cohortA"])).is_ok(), "between is inclusive");
        assert!(r.check(&member("2020-01-01", &["cohortC", "cohortD", "x"])).is_ok());
        assert_eq!(
            r.explain(&member("2020-01-01", &["cohortA"]), Lang::En),
            Err("only for members who joined between 2021-11-01 and 2023-02-28".into())
        );
        assert_eq!(
            r.explain(&member("2020-01-01", &["cohortC"]), Lang::En),
            Err("only for members tagged cohortC and cohortD".into())
        );
    }

    #[test]
    fn empty_rules_admit_everyone() {
        assert!(Eligibility::parse(&Json::Null, "e").unwrap().check(&MemberAttributes::default()).is_ok());
        assert!(Eligibility::parse(&json!([]), "e").unwrap().check(&MemberAttributes::default()).is_ok());
    }

    #[test]
    fn tier_and_lifetime_and_missing_attributes() {
        let r = Eligibility::parse(
            &json!([{"conditions": [
                {"attribute": "tier", "operator": "equals", "value": "Gold"},
                {"attribute": "lifetime_earned", "operator": "greater_than", "value": 1000},
                {"attribute": "birthday", "operator": "less_than", "value": "2008-01-01"}
            ]}]),
            "e",
        )
        .unwrap();
        let mut m = MemberAttributes { tier: Some("Gold".into()), lifetime_earned: 1001, ..Default::default() };
        assert_eq!(r.explain(&m, Lang::En), Err("only for members born before 2008-01-01".into()));
        assert_eq!(r.explain(&m, Lang::Fr), Err("réservé aux membres nés avant le 2008-01-01".into()));
        m.birthday = Some(d("1990-05-05"));
        assert!(r.check(&m).is_ok());
        m.tier = Some("Silver".into());
        assert_eq!(r.explain(&m, Lang::En), Err("only for Gold members".into()));
        assert_eq!(r.explain(&m, Lang::Fr), Err("réservé aux membres Gold".into()));
    }

    #[test]
    fn every_condition_is_worded_in_each_language() {
        let cases = [
            (
                json!({"attribute": "enrolled_at", "operator": "between", "value": ["2021-11-01", "2023-02-28"]}),
                "only for members who joined between 2021-11-01 and 2023-02-28",
                "réservé aux membres inscrits entre le 2021-11-01 et le 2023-02-28",
            ),
            (
                json!({"attribute": "birthday", "operator": "equals", "value": "2000-01-01"}),
                "only for members born on 2000-01-01",
                "réservé aux membres nés le 2000-01-01",
            ),
            (
                json!({"attribute": "lifetime_earned", "operator": "between", "value": [100, 500]}),
                "only for members who have earned between 100 and 500 points",
                "réservé aux membres ayant gagné entre 100 et 500 points",
            ),
            (
                json!({"attribute": "tags", "operator": "contains_all", "value": ["vip", "early"]}),
                "only for members tagged vip and early",
                "réservé aux membres étiquetés vip et early",
            ),
            (
                json!({"attribute": "tags", "operator": "contains_none", "value": ["staff"]}),
                "only for members not tagged staff",
                "réservé aux membres non étiquetés staff",
            ),
            (
                json!({"attribute": "tier", "operator": "not_equals", "value": "Gold"}),
                "only for members outside the Gold tier",
                "réservé aux membres hors du niveau Gold",
            ),
            (
                json!({"attribute": "tier", "operator": "contains_any", "value": ["Gold", "Platinum"]}),
                "only for Gold or Platinum members",
                "réservé aux membres Gold ou Platinum",
            ),
            (
                json!({"attribute": "email", "operator": "equals", "value": "a@b.example"}),
                "only for specific members",
                "réservé à certains membres",
            ),
        ];
        for (condition, en, fr) in cases {
            let c = parse_condition(&condition).unwrap();
            assert_eq!(c.describe(Lang::En), en);
            assert_eq!(c.describe(Lang::Fr), fr);
        }
    }

    #[test]
    fn bad_rules_are_rejected_precisely() {
        let bad = json!([{"conditions": [
            {"attribute": "shoe_size", "operator": "equals", "value": 9},
            {"attribute": "tags", "operator": "between", "value": ["a", "b"]},
            {"attribute": "enrolled_at", "operator": "greater_than", "value": 20210101},
            {"attribute": "lifetime_earned", "operator": "between", "value": [10, 5]},
            {"attribute": "tags", "operator": "contains_all", "value": []},
            {"attribute": "tier", "operator": "roughly", "value": "Gold"}
        ]}, {"conditions": []}, 7]);
        let issues = Eligibility::parse(&bad, "eligibility").unwrap_err();
        let got: Vec<String> = issues.iter().map(|i| format!("{}: {}", i.path, i.message)).collect();
        assert_eq!(got.len(), 8, "{got:#?}");
        assert!(got[0].starts_with("eligibility[0].conditions[0]: unknown attribute \"shoe_size\""));
        assert!(got[1]
            .contains("operator \"between\" does not apply to tags (use contains_all, contains_any, contains_none)"));
        assert!(got[2].contains("is not a date"));
        assert!(got[3].contains("must not exceed"));
        assert!(got[4].contains("1 to 100 strings"));
        assert!(got[5].contains("unknown operator \"roughly\""));
        assert_eq!(got[6], "eligibility[1].conditions: must hold at least one condition");
        assert!(got[7].starts_with("eligibility[2]: must be an object"));
    }

    fn arb_condition() -> impl Strategy<Value = Json> {
        let date = (1990i32..2030, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
        let word = "[a-zA-Z0-9]{1,8}";
        let words = proptest::collection::vec(word, 1..4);
        prop_oneof![
            (
                prop_oneof![Just("enrolled_at"), Just("birthday")],
                prop_oneof![Just("equals"), Just("not_equals"), Just("greater_than"), Just("less_than")],
                date.clone()
            )
                .prop_map(|(a, o, v)| json!({"attribute": a, "operator": o, "value": v})),
            (date.clone(), date).prop_map(|(x, y)| {
                let (x, y) = if x <= y { (x, y) } else { (y, x) };
                json!({"attribute": "enrolled_at", "operator": "between", "value": [x, y]})
            }),
            (prop_oneof![Just("equals"), Just("greater_than"), Just("less_than")], any::<i32>())
                .prop_map(|(o, v)| json!({"attribute": "lifetime_earned", "operator": o, "value": v})),
            (prop_oneof![Just("contains_all"), Just("contains_any"), Just("contains_none")], words.clone())
                .prop_map(|(o, v)| json!({"attribute": "tags", "operator": o, "value": v})),
            (prop_oneof![Just("tier"), Just("email")], word)
                .prop_map(|(a, v)| json!({"attribute": a, "operator": "equals", "value": v})),
            words.prop_map(|v| json!({"attribute": "tier", "operator": "contains_none", "value": v})),
        ]
    }

    proptest! {
        /// Parsing and rendering round-trip: what a merchant saves is what
        /// they read back, and it means the same thing.
        #[test]
        fn parsing_round_trips(groups in proptest::collection::vec(proptest::collection::vec(arb_condition(), 1..4), 0..4)) {
            let wire = Json::Array(groups.into_iter().map(|c| json!({"conditions": c})).collect());
            let parsed = Eligibility::parse(&wire, "e").unwrap();
            prop_assert_eq!(&parsed.to_json(), &wire);
            prop_assert_eq!(Eligibility::parse(&parsed.to_json(), "e").unwrap(), parsed);
        }

        /// The reason given is a condition the member really fails.
        #[test]
        fn the_reason_given_really_fails(groups in proptest::collection::vec(proptest::collection::vec(arb_condition(), 1..4), 1..4),
                                         lifetime in any::<i32>(), tags in proptest::collection::vec("[a-c]", 0..3)) {
            let wire = Json::Array(groups.into_iter().map(|c| json!({"conditions": c})).collect());
            let rule = Eligibility::parse(&wire, "e").unwrap();
            let m = MemberAttributes { lifetime_earned: i64::from(lifetime), tags, enrolled_at: Some(d("2022-06-01")), ..Default::default() };
            match rule.check(&m) {
                Ok(()) => prop_assert!(rule.groups.iter().any(|g| g.conditions.iter().all(|c| c.holds(&m)))),
                Err(c) => {
                    prop_assert!(!c.holds(&m));
                    prop_assert!(rule.groups.iter().all(|g| g.conditions.iter().any(|c| !c.holds(&m))));
                }
            }
        }
    }
}
