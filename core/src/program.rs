//! The program configuration: what a merchant decides once and rarely changes.
//!
//! It is plain data (JSON on the wire and in KV; the demo ships
//! `edge/seed/program.json`). [`Program::from_json`] parses *and* validates,
//! reporting every problem at once with a path to the bad field, so an
//! operator fixes a config in one round trip instead of ten.

use serde::{Deserialize, Serialize};

use crate::eligibility::Eligibility;
use crate::error::{Error, Issue};
use crate::lang::Lang;
use crate::money;
use crate::timestamp::Timestamp;

/// A whole loyalty program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// Shown to shoppers, e.g. "Acme Rewards".
    pub name: String,
    /// What the points are called, e.g. "points" or "Stars".
    #[serde(default = "default_points_name")]
    pub points_name: String,
    /// ISO 4217 code of the currency purchases are earned in.
    pub currency: String,
    /// How points are earned.
    pub earn: EarnRules,
    /// Tiers, lowest first. If present the first must start at 0.
    #[serde(default)]
    pub tiers: Vec<TierRule>,
    /// What tier thresholds are measured in.
    #[serde(default)]
    pub tier_basis: TierBasis,
    /// Over which time they are measured.
    #[serde(default)]
    pub tier_window: TierWindow,
    /// With a window: days a member below their tier keeps it before
    /// moving down.
    #[serde(default = "default_tier_grace_days")]
    pub tier_grace_days: u32,
    /// Days purchase points stay pending (unspendable) after the purchase,
    /// e.g. a return window. 0 means points are spendable at once.
    #[serde(default)]
    pub pending_days: u32,
    /// Days after which earned points expire (oldest first). `None`: never.
    #[serde(default)]
    pub expiry_days: Option<u32>,
    /// Days before points expire that the store is told (`points.expiring_soon`
    /// webhook, once per lot); 0: never.
    #[serde(default = "default_expiry_warning_days")]
    pub expiry_warning_days: u32,
    /// Time-boxed multipliers of purchase points; when several apply, the
    /// largest (`earn::campaign`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub campaigns: Vec<Campaign>,
    /// The merchant's own ways to earn (follow us, newsletter, survey…),
    /// earned by `POST /v1/events` `{"type": "activity"}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activities: Vec<Activity>,
    /// What points are worth in the program's currency (the liability the
    /// analytics report; paying with points at checkout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_value: Option<PointsValue>,
    /// Paying with points at checkout: the points a shopper asks for must
    /// be a multiple of this (`crate::checkout`); absent, the points of
    /// `points_value`. Needs `points_value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout_points_step: Option<i64>,
    /// The referral offer: a code and link per member, a reward for the
    /// friend who signs up through it, points for the referrer on the
    /// friend's first qualifying order. No referrals when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<ReferralOffer>,
}

/// `points` points are worth `amount_minor` of the program's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PointsValue {
    /// Points…
    pub points: i64,
    /// …are worth this much, in minor units.
    pub amount_minor: i64,
}

/// What a referral gives (`crate::referral`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferralOffer {
    /// Points for the referrer, once per friend, on the friend's first
    /// qualifying order; pending like purchase points.
    pub referrer_points: i64,
    /// The reward the friend gets, free, on signing up through the link;
    /// while it is missing or switched off the friend gets no coupon (the
    /// referral still counts), so the program may be saved before it.
    pub friend_reward_id: String,
    /// The smallest order that qualifies (minor units; 0: any order).
    #[serde(default)]
    pub qualifying_order_min_minor: i64,
    /// The store's page the link opens, with `?ref=CODE` added.
    pub landing_url: String,
}

/// A way to earn the merchant defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Activity {
    /// The merchant's id for it.
    pub activity_id: String,
    /// What the shopper does, in the shopper's words ("Follow us on Instagram").
    pub name: String,
    /// Points each time.
    pub points: i64,
    /// At most this many times per member, ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_member_cap: Option<u32>,
    /// At most `count` times per member in any `days` days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_period: Option<Period>,
}

/// What the program's lists of named things (activities, campaigns) ask
/// of each item, `(id, name)` in `list` (whose ids are `{kind}_id`): at
/// most 100 items, a valid id unique in the list, a name of 1 to 100
/// characters.
fn check_listed(bad: &mut impl FnMut(String, &str), list: &str, kind: &str, items: &[(&str, &str)]) {
    if items.len() > 100 {
        bad(list.into(), "must be at most 100");
    }
    for (i, (id, name)) in items.iter().enumerate() {
        if !crate::ids::is_valid_id(id) {
            bad(format!("{list}[{i}].{kind}_id"), "must be 1 to 128 characters of A-Z a-z 0-9 _ - . : @");
        }
        if items[..i].iter().any(|(other, _)| other == id) {
            bad(format!("{list}[{i}].{kind}_id"), &format!("{kind} ids must be unique"));
        }
        if name.trim().is_empty() || name.len() > 100 {
            bad(format!("{list}[{i}].name"), "must be 1 to 100 characters");
        }
    }
}

/// A cap over a sliding period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// How many times.
    pub count: u32,
    /// Over how many days.
    pub days: u32,
}

/// A campaign: while it runs, an eligible member's purchase points are
/// multiplied (on top of the tier's multiplier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// The merchant's id for it.
    pub campaign_id: String,
    /// Its name, named in the purchase's answer.
    pub name: String,
    /// 100 = ×1; 200 doubles the points.
    pub multiplier_percent: u32,
    /// From (a purchase at this instant counts).
    pub starts_at: Timestamp,
    /// Until (a purchase at this instant no longer counts).
    pub ends_at: Timestamp,
    /// Who it is for; everyone when absent.
    #[serde(default)]
    pub eligibility: Eligibility,
}

/// Two weeks, as the contract says.
pub const DEFAULT_EXPIRY_WARNING_DAYS: u32 = 14;

fn default_expiry_warning_days() -> u32 {
    DEFAULT_EXPIRY_WARNING_DAYS
}

fn default_points_name() -> String {
    "points".to_owned()
}

/// Earn rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EarnRules {
    /// Points for purchases.
    pub purchase: PurchaseRule,
    /// Fixed bonuses for non-purchase events.
    #[serde(default)]
    pub bonuses: Vec<BonusRule>,
    /// Categories that earn at their own rate when a purchase lists its
    /// items (the tier's and campaign's multipliers still apply).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_rates: Vec<CategoryRate>,
    /// Items that earn nothing when a purchase lists its items (a gift
    /// card bought with points, say).
    #[serde(default, skip_serializing_if = "Exclusions::is_empty")]
    pub exclusions: Exclusions,
}

/// A category's own earn rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryRate {
    /// The category, as purchases' items name it (case does not matter).
    pub category: String,
    /// Points earned per step.
    pub points: i64,
    /// The step, in minor units of the program currency.
    pub per_amount_minor: i64,
}

impl CategoryRate {
    /// The rate, as a purchase rule.
    pub fn rate(&self) -> PurchaseRule {
        PurchaseRule { points: self.points, per_amount_minor: self.per_amount_minor }
    }
}

/// What earns no points, by sku or by category (case does not matter).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Exclusions {
    /// Skus, exactly as items name them.
    #[serde(default)]
    pub skus: Vec<String>,
    /// Categories.
    #[serde(default)]
    pub categories: Vec<String>,
}

impl Exclusions {
    /// Whether nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.skus.is_empty() && self.categories.is_empty()
    }
}

/// `points` for every `per_amount_minor` spent, rounded down; e.g. 1 point
/// per 100 cents. Tier multipliers apply on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseRule {
    /// Points earned per step.
    pub points: i64,
    /// The step, in minor units of the program currency.
    pub per_amount_minor: i64,
}

/// A fixed bonus for an event, with an optional lifetime cap per member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BonusRule {
    /// Which event earns it.
    pub event: BonusEvent,
    /// Points per occurrence.
    pub points: i64,
    /// At most this many times per member (lifetime). Birthdays are in
    /// addition limited to once a year (`earn::birthday_year`).
    #[serde(default)]
    pub per_member_cap: Option<u32>,
}

/// Non-purchase events that earn a fixed bonus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BonusEvent {
    /// Joining the program.
    Signup,
    /// The member's birthday.
    Birthday,
    /// Writing a product review.
    Review,
    /// Referring a new customer.
    Referral,
}

impl BonusEvent {
    /// The wire name (`signup`, `birthday`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            BonusEvent::Signup => "signup",
            BonusEvent::Birthday => "birthday",
            BonusEvent::Review => "review",
            BonusEvent::Referral => "referral",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<BonusEvent> {
        [BonusEvent::Signup, BonusEvent::Birthday, BonusEvent::Review, BonusEvent::Referral]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

/// One tier: reached at `threshold` (lifetime points or spend), with an earn
/// multiplier in percent (100 = 1x, 150 = 1.5x; integers, never floats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TierRule {
    /// Tier name, e.g. "Gold".
    pub name: String,
    /// Lifetime points (or minor units spent) needed.
    pub threshold: i64,
    /// Earn multiplier in percent.
    #[serde(default = "default_multiplier")]
    pub multiplier_percent: u32,
    /// A reward given free, once, when a member first reaches this tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_reward_id: Option<String>,
}

fn default_multiplier() -> u32 {
    100
}

/// Over which time tier thresholds are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TierWindow {
    /// The member's whole life: tiers follow the lifetime figures.
    #[default]
    Lifetime,
    /// The last 12 months: a member falling short keeps the tier for
    /// `tier_grace_days`, then moves down.
    #[serde(rename = "rolling_12_months")]
    Rolling12Months,
    /// The calendar year so far (UTC): each year starts from nothing.
    CalendarYear,
}

impl TierWindow {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TierWindow::Lifetime => "lifetime",
            TierWindow::Rolling12Months => "rolling_12_months",
            TierWindow::CalendarYear => "calendar_year",
        }
    }
}

/// Thirty days, as the contract says.
pub const DEFAULT_TIER_GRACE_DAYS: u32 = 30;

fn default_tier_grace_days() -> u32 {
    DEFAULT_TIER_GRACE_DAYS
}

/// What tier thresholds count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TierBasis {
    /// Points earned over the member's lifetime (net of refunds).
    #[default]
    LifetimePoints,
    /// Minor units spent over the member's lifetime (net of refunds).
    LifetimeSpend,
}

impl Program {
    /// Parses and validates a program from JSON, reporting every problem.
    pub fn from_json(json: &str) -> Result<Program, Error> {
        let program: Program = serde_json::from_str(json).map_err(|e| Error::invalid("", e.to_string()))?;
        program.validate()?;
        Ok(program)
    }

    /// Checks every rule of a well-typed program; all problems at once.
    pub fn validate(&self) -> Result<(), Error> {
        let mut issues = Vec::new();
        let mut bad = |path: String, msg: &str| issues.push(Issue::new(path, msg));
        if self.name.trim().is_empty() || self.name.len() > 100 {
            bad("name".into(), "must be 1 to 100 characters");
        }
        if self.points_name.trim().is_empty() || self.points_name.len() > 40 {
            bad("points_name".into(), "must be 1 to 40 characters");
        }
        if !money::is_currency(&self.currency) {
            bad("currency".into(), "must be an ISO 4217 code such as USD");
        }
        if self.earn.purchase.points < 0 || self.earn.purchase.points > 1_000_000 {
            bad("earn.purchase.points".into(), "must be 0 to 1000000");
        }
        if self.earn.purchase.per_amount_minor <= 0 || self.earn.purchase.per_amount_minor > 100_000_000 {
            bad("earn.purchase.per_amount_minor".into(), "must be 1 to 100000000");
        }
        let mut seen = Vec::new();
        for (i, b) in self.earn.bonuses.iter().enumerate() {
            if b.points <= 0 || b.points > 1_000_000 {
                bad(format!("earn.bonuses[{i}].points"), "must be 1 to 1000000");
            }
            if b.per_member_cap == Some(0) {
                bad(format!("earn.bonuses[{i}].per_member_cap"), "must be at least 1, or absent for no cap");
            }
            if seen.contains(&b.event) {
                bad(format!("earn.bonuses[{i}].event"), "each event may have one bonus rule");
            }
            seen.push(b.event);
        }
        if self.earn.category_rates.len() > 100 {
            bad("earn.category_rates".into(), "must be at most 100");
        }
        for (i, r) in self.earn.category_rates.iter().enumerate() {
            if !crate::items::is_label(&r.category) {
                bad(format!("earn.category_rates[{i}].category"), "must be 1 to 128 characters, no control characters");
            }
            if self.earn.category_rates[..i].iter().any(|o| o.category.to_lowercase() == r.category.to_lowercase()) {
                bad(format!("earn.category_rates[{i}].category"), "each category may have one rate");
            }
            if r.points < 0 || r.points > 1_000_000 {
                bad(format!("earn.category_rates[{i}].points"), "must be 0 to 1000000");
            }
            if r.per_amount_minor <= 0 || r.per_amount_minor > 100_000_000 {
                bad(format!("earn.category_rates[{i}].per_amount_minor"), "must be 1 to 100000000");
            }
        }
        for (list, name) in [(&self.earn.exclusions.skus, "skus"), (&self.earn.exclusions.categories, "categories")] {
            if list.len() > 1_000 {
                bad(format!("earn.exclusions.{name}"), "must be at most 1000");
            }
            for (i, x) in list.iter().enumerate() {
                if !crate::items::is_label(x) {
                    bad(format!("earn.exclusions.{name}[{i}]"), "must be 1 to 128 characters, no control characters");
                }
            }
        }
        for (i, t) in self.tiers.iter().enumerate() {
            if t.name.trim().is_empty() || t.name.len() > 40 {
                bad(format!("tiers[{i}].name"), "must be 1 to 40 characters");
            }
            if self.tiers[..i].iter().any(|o| o.name == t.name) {
                bad(format!("tiers[{i}].name"), "tier names must be unique");
            }
            if i == 0 && t.threshold != 0 {
                bad(format!("tiers[{i}].threshold"), "the first tier must start at 0");
            }
            if i > 0 && t.threshold <= self.tiers[i - 1].threshold {
                bad(format!("tiers[{i}].threshold"), "thresholds must increase");
            }
            if t.threshold > crate::numbers::MAX_SAFE {
                bad(format!("tiers[{i}].threshold"), "must be at most 2^53 - 1");
            }
            if !(100..=1000).contains(&t.multiplier_percent) {
                bad(format!("tiers[{i}].multiplier_percent"), "must be 100 to 1000");
            }
            if t.entry_reward_id.as_deref().is_some_and(|r| !crate::ids::is_valid_id(r)) {
                bad(format!("tiers[{i}].entry_reward_id"), "must be a reward id");
            }
        }
        if self.tier_grace_days > 365 {
            bad("tier_grace_days".into(), "must be 0 to 365");
        }
        if self.pending_days > 365 {
            bad("pending_days".into(), "must be 0 to 365");
        }
        if let Some(d) = self.expiry_days {
            if d == 0 || d > 3650 {
                bad("expiry_days".into(), "must be 1 to 3650, or absent for no expiry");
            }
        }
        if self.expiry_warning_days > 365 {
            bad("expiry_warning_days".into(), "must be 0 to 365");
        }
        let activities: Vec<(&str, &str)> =
            self.activities.iter().map(|a| (a.activity_id.as_str(), a.name.as_str())).collect();
        check_listed(&mut bad, "activities", "activity", &activities);
        let campaigns: Vec<(&str, &str)> =
            self.campaigns.iter().map(|c| (c.campaign_id.as_str(), c.name.as_str())).collect();
        check_listed(&mut bad, "campaigns", "campaign", &campaigns);
        for (i, a) in self.activities.iter().enumerate() {
            if a.points <= 0 || a.points > 1_000_000 {
                bad(format!("activities[{i}].points"), "must be 1 to 1000000");
            }
            if a.per_member_cap == Some(0) {
                bad(format!("activities[{i}].per_member_cap"), "must be at least 1, or absent for no cap");
            }
            if let Some(p) = a.per_period {
                if p.count == 0 || p.days == 0 || p.days > 3660 {
                    bad(format!("activities[{i}].per_period"), "count must be at least 1 and days 1 to 3660");
                }
            }
        }
        if let Some(v) = &self.points_value {
            if v.points <= 0 || v.points > 1_000_000 {
                bad("points_value.points".into(), "must be 1 to 1000000");
            }
            if v.amount_minor <= 0 || v.amount_minor > 1_000_000 {
                bad("points_value.amount_minor".into(), "must be 1 to 1000000");
            }
        }
        if let Some(step) = self.checkout_points_step {
            if step <= 0 || step > 1_000_000 {
                bad("checkout_points_step".into(), "must be 1 to 1000000");
            } else if self.points_value.is_none() {
                bad("checkout_points_step".into(), "needs points_value: what the points are worth");
            }
        }
        if let Some(offer) = &self.referral {
            crate::referral::check_offer(offer, &mut bad);
        }
        for (i, c) in self.campaigns.iter().enumerate() {
            if !(100..=1000).contains(&c.multiplier_percent) {
                bad(format!("campaigns[{i}].multiplier_percent"), "must be 100 to 1000");
            }
            if c.ends_at <= c.starts_at {
                bad(format!("campaigns[{i}].ends_at"), "must be after starts_at");
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(issues))
        }
    }

    /// The activity `activity_id`, if the program has it.
    pub fn activity(&self, activity_id: &str) -> Option<&Activity> {
        self.activities.iter().find(|a| a.activity_id == activity_id)
    }

    /// The bonus rule for `event`, if the program has one.
    pub fn bonus(&self, event: BonusEvent) -> Option<&BonusRule> {
        self.earn.bonuses.iter().find(|b| b.event == event)
    }

    /// The earn rules in words, for shoppers reading `lang`, at `now` (the
    /// campaigns running then are among them); amounts as
    /// [`money::format`] writes them, so they read like the store's prices.
    /// The program's activities come last, one line each, in order.
    pub fn earn_rules_in_words(&self, lang: Lang, now: Timestamp) -> Vec<String> {
        let fr = lang == Lang::Fr;
        let p = &self.earn.purchase;
        let (points, per) = (self.points(p.points, lang), money::format(p.per_amount_minor, &self.currency, lang));
        let mut out = vec![if fr {
            format!("Gagnez {points} par tranche de {per} dépensée")
        } else {
            format!("Earn {points} for every {per} spent")
        }];
        for r in &self.earn.category_rates {
            let (points, per) = (self.points(r.points, lang), money::format(r.per_amount_minor, &self.currency, lang));
            out.push(if fr {
                format!("Gagnez {points} par tranche de {per} dépensée en {}", r.category)
            } else {
                format!("Earn {points} for every {per} spent on {}", r.category)
            });
        }
        for c in &self.earn.exclusions.categories {
            out.push(if fr {
                format!("Les achats en {c} ne rapportent pas de {}", self.points_name)
            } else {
                format!("{c} earn no {}", self.points_name)
            });
        }
        if !self.earn.exclusions.skus.is_empty() {
            out.push(if fr {
                format!("Certains articles ne rapportent pas de {}", self.points_name)
            } else {
                format!("Some items earn no {}", self.points_name)
            });
        }
        for t in self.tiers.iter().filter(|t| t.multiplier_percent != 100) {
            let times = format_multiplier(t.multiplier_percent, lang);
            out.push(if fr {
                format!("Les membres {} gagnent {times}\u{a0}fois plus de points", t.name)
            } else {
                format!("{} members earn {times}x", t.name)
            });
        }
        for b in &self.earn.bonuses {
            let what = match (b.event, fr) {
                (BonusEvent::Signup, false) => "for joining",
                (BonusEvent::Birthday, false) => "on your birthday",
                (BonusEvent::Review, false) => "for each product review",
                (BonusEvent::Referral, false) => "for each friend you refer",
                (BonusEvent::Signup, true) => "à l'inscription",
                (BonusEvent::Birthday, true) => "pour votre anniversaire",
                (BonusEvent::Review, true) => "par avis sur un produit",
                (BonusEvent::Referral, true) => "par ami parrainé",
            };
            out.push(format!("{} {what}", self.points(b.points, lang)));
        }
        out.extend(self.referral_in_words(lang));
        for c in self.campaigns.iter().filter(|c| c.starts_at <= now && now < c.ends_at) {
            let times = format_multiplier(c.multiplier_percent, lang);
            let some = !c.eligibility.is_everyone();
            out.push(match (fr, some) {
                (false, false) => format!("{}: {times}x points on purchases", c.name),
                (false, true) => format!("{}: {times}x points on purchases, for some members", c.name),
                (true, false) => format!("{}\u{a0}: {times}\u{a0}fois plus de points sur vos achats", c.name),
                (true, true) => {
                    format!("{}\u{a0}: {times}\u{a0}fois plus de points sur vos achats, pour certains membres", c.name)
                }
            });
        }
        let sep = if fr { "\u{a0}:" } else { ":" };
        for a in &self.activities {
            out.push(format!("{}{sep} {}", self.points(a.points, lang), a.name));
        }
        out
    }

    /// What the referral offer gives the referrer, in words ("500 points
    /// for each friend you refer, on their first order of $20.00 or
    /// more"); `None` without an offer that gives points.
    pub fn referral_in_words(&self, lang: Lang) -> Option<String> {
        let r = self.referral.as_ref().filter(|r| r.referrer_points > 0)?;
        let points = self.points(r.referrer_points, lang);
        let min = r.qualifying_order_min_minor;
        let of = money::format(min, &self.currency, lang);
        Some(match (lang == Lang::Fr, min > 0) {
            (false, false) => format!("{points} for each friend you refer, on their first order"),
            (false, true) => format!("{points} for each friend you refer, on their first order of {of} or more"),
            (true, false) => format!("{points} par ami parrainé, à sa première commande"),
            (true, true) => format!("{points} par ami parrainé, à sa première commande de {of} ou plus"),
        })
    }

    /// A count of points with the points name: "1 point", "2 points"
    /// ([`points_name`] picks the form).
    pub fn points(&self, n: i64, lang: Lang) -> String {
        format!("{n} {}", points_name(&self.points_name, n, lang))
    }
}

/// The program's name for `n` points, singular or plural: English
/// takes the singular for 1, French for 0 and 1 ("0 point"). The singular
/// drops the name's trailing `s` ("1 Star"); a name without one is used as
/// it is ("1 Karma", "5 Karma"). The widget words counts with it too, so
/// "1 Star" reads the same in the API's earn rules and on the balance.
pub fn points_name(name: &str, n: i64, lang: Lang) -> &str {
    let singular = match lang {
        Lang::En => n == 1,
        Lang::Fr => n == 0 || n == 1,
    };
    match name.strip_suffix('s') {
        Some(one) if singular && !one.is_empty() => one,
        _ => name,
    }
}

/// `150` as `1.5` ("1,5" in French), `200` as `2`, `125` as `1.25`.
pub fn format_multiplier(percent: u32, lang: Lang) -> String {
    let (whole, frac) = (percent / 100, percent % 100);
    let point = if lang == Lang::Fr { "," } else { "." };
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}{point}{}", f / 10),
        f => format!("{whole}{point}{f:02}"),
    }
}

/// Fixtures shared by the unit tests of several modules.
#[cfg(test)]
pub(crate) mod tests_support {
    pub(crate) const DEMO: &str = r#"{
        "name": "Acme Rewards", "points_name": "points", "currency": "USD",
        "earn": {"purchase": {"points": 1, "per_amount_minor": 100},
                 "bonuses": [{"event": "signup", "points": 100, "per_member_cap": 1},
                             {"event": "review", "points": 25, "per_member_cap": 10}]},
        "tiers": [{"name": "Bronze", "threshold": 0},
                  {"name": "Silver", "threshold": 500, "multiplier_percent": 125},
                  {"name": "Gold", "threshold": 2000, "multiplier_percent": 150}],
        "pending_days": 0, "expiry_days": 365
    }"#;
}

#[cfg(test)]
mod tests {
    use super::tests_support::DEMO;
    use super::*;

    #[test]
    fn demo_program_is_valid() {
        let p = Program::from_json(DEMO).unwrap();
        assert_eq!(p.tiers.len(), 3);
        assert_eq!(
            p.earn_rules_in_words(Lang::En, Timestamp(0)),
            vec![
                "Earn 1 point for every $1.00 spent",
                "Silver members earn 1.25x",
                "Gold members earn 1.5x",
                "100 points for joining",
                "25 points for each product review"
            ]
        );
        assert_eq!(
            p.earn_rules_in_words(Lang::Fr, Timestamp(0)),
            vec![
                "Gagnez 1 point par tranche de 1,00\u{a0}$US dépensée",
                "Les membres Silver gagnent 1,25\u{a0}fois plus de points",
                "Les membres Gold gagnent 1,5\u{a0}fois plus de points",
                "100 points à l'inscription",
                "25 points par avis sur un produit"
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let json = r#"{"name": "", "currency": "usd",
            "earn": {"purchase": {"points": 1, "per_amount_minor": 0},
                     "bonuses": [{"event": "review", "points": 0}, {"event": "review", "points": 5}]},
            "tiers": [{"name": "A", "threshold": 10}, {"name": "A", "threshold": 5, "multiplier_percent": 50}],
            "expiry_days": 0}"#;
        let Err(Error::Invalid(issues)) = Program::from_json(json) else { panic!("should fail") };
        let paths: Vec<_> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "name",
                "currency",
                "earn.purchase.per_amount_minor",
                "earn.bonuses[0].points",
                "earn.bonuses[1].event",
                "tiers[0].threshold",
                "tiers[1].name",
                "tiers[1].threshold",
                "tiers[1].multiplier_percent",
                "expiry_days"
            ]
        );
    }

    #[test]
    fn unknown_fields_and_enum_values_are_rejected() {
        assert!(Program::from_json(&DEMO.replace("\"pending_days\"", "\"pending_dayz\"")).is_err());
        assert!(Program::from_json(&DEMO.replace("\"review\"", "\"tweet\"")).is_err());
    }

    #[test]
    fn multipliers_format_without_floats() {
        assert_eq!(format_multiplier(125, Lang::En), "1.25");
        assert_eq!(format_multiplier(150, Lang::Fr), "1,5");
        assert_eq!(format_multiplier(200, Lang::En), "2");
    }

    #[test]
    fn points_take_each_language_s_plural() {
        let p = Program::from_json(DEMO).unwrap();
        assert_eq!(
            [p.points(1, Lang::En), p.points(0, Lang::En), p.points(2, Lang::En)],
            ["1 point", "0 points", "2 points"]
        );
        assert_eq!(
            [p.points(1, Lang::Fr), p.points(0, Lang::Fr), p.points(2, Lang::Fr)],
            ["1 point", "0 point", "2 points"]
        );
        let karma = Program { points_name: "Karma".into(), ..p.clone() };
        assert_eq!([karma.points(1, Lang::En), karma.points(5, Lang::En)], ["1 Karma", "5 Karma"]);
        let one = Program { points_name: "s".into(), ..p };
        assert_eq!(one.points(1, Lang::En), "1 s");
    }
}
