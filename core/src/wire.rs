//! The JSON shapes of `shared/API.md`, shared by the Worker (which writes
//! them) and the widget (which reads them), so the two cannot drift.
//!
//! Requests are strict (`deny_unknown_fields`, exact types): a typo in a
//! field name is a 400 with the field named, not a silently ignored value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::coupon::{self, Discount, InvalidReason};
use crate::lang::Lang;
use crate::ledger::{EntryKind, Expiring};
use crate::numbers;
use crate::program::{Activity, Program, TierBasis};
use crate::reward::{Reward, RewardKind};
use crate::timestamp::Timestamp;

/// The error body every non-2xx answer carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Machine code and human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorDetail {
    /// Stable code, e.g. `insufficient_points`.
    pub code: String,
    /// Human text; never a stack trace.
    pub message: String,
}

/// `GET /v1/program`: what a shopper may know about the program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProgramSummary {
    /// Program name.
    pub name: String,
    /// What points are called.
    pub points_name: String,
    /// Program currency.
    pub currency: String,
    /// Earn rules in words.
    pub earn_rules: Vec<String>,
    /// Tiers, lowest first.
    pub tiers: Vec<TierSummary>,
    /// What tier thresholds count.
    pub tier_basis: TierBasis,
    /// Days purchase points stay pending.
    pub pending_days: u32,
    /// Days until points expire, if they do.
    pub expiry_days: Option<u32>,
    /// Active rewards shown to shoppers who are not signed in, as a
    /// shopper sees them (no rule internals: this route is public).
    #[serde(default)]
    pub rewards: Vec<RewardView>,
    /// The program's own ways to earn, with their caps. In `earn_rules`
    /// they are the last lines, one each, in this order
    /// ([`ProgramSummary::activity_of_rule`]).
    #[serde(default)]
    pub activities: Vec<Activity>,
    /// Whether members have a referral link (`GET /v1/me/referral`).
    #[serde(default)]
    pub referrals: bool,
    /// Paying with points at checkout, when the program sets what points
    /// are worth: each `step` points take `step_amount_minor` off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_with_points: Option<crate::checkout::PayWithPoints>,
}

/// A reward as a shopper sees it: what it is and what it costs. The rule
/// behind its eligibility, its limits and its coupon policy are the
/// merchant's and stay on the server routes (a rule may name an e-mail or
/// an internal tag); the verdict and its reason in words come beside it in
/// [`RewardOffer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RewardView {
    /// Its id.
    pub reward_id: String,
    /// Short name, e.g. "$5 off".
    pub name: String,
    /// Longer description.
    #[serde(default)]
    pub description: String,
    /// What it gives.
    pub kind: RewardKind,
    /// Points it costs.
    pub points_cost: i64,
    /// Its picture (`https:`); its name is the text alternative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The reward's words before confirming, in the request's language
    /// (plain text), when it has some there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_text: Option<String>,
    /// A redemption of it must carry details (a mandatory transaction
    /// attribute): the store's own page or the console redeems it, with
    /// them; the widget does not ask for them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_details: bool,
}

impl RewardView {
    /// What a shopper reading `lang` sees of `r`.
    pub fn of(r: &Reward, lang: Lang) -> RewardView {
        RewardView {
            reward_id: r.reward_id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            kind: r.kind,
            points_cost: r.points_cost,
            image_url: r.image_url.clone(),
            confirm_text: r.texts_in(lang).map(|t| t.confirm.clone()).filter(|t| !t.is_empty()),
            needs_details: r.transaction_attributes.iter().any(|a| a.mandatory),
        }
    }
}

/// One tier in the program summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TierSummary {
    /// Name.
    pub name: String,
    /// Threshold.
    pub threshold: i64,
    /// Earn multiplier, percent.
    pub multiplier_percent: u32,
}

impl ProgramSummary {
    /// The shopper-facing summary of a program, its earn rules worded in
    /// `lang` at `now`.
    pub fn of(p: &Program, lang: Lang, now: Timestamp) -> ProgramSummary {
        ProgramSummary {
            name: p.name.clone(),
            points_name: p.points_name.clone(),
            currency: p.currency.clone(),
            earn_rules: p.earn_rules_in_words(lang, now),
            tiers: p
                .tiers
                .iter()
                .map(|t| TierSummary {
                    name: t.name.clone(),
                    threshold: t.threshold,
                    multiplier_percent: t.multiplier_percent,
                })
                .collect(),
            tier_basis: p.tier_basis,
            pending_days: p.pending_days,
            expiry_days: p.expiry_days,
            rewards: Vec::new(),
            activities: p.activities.clone(),
            referrals: p.referral.is_some(),
            pay_with_points: crate::checkout::PayWithPoints::of(p),
        }
    }

    /// The activity the earn rule at `index` words, if it words one
    /// ([`Program::earn_rules_in_words`] ends with them).
    pub fn activity_of_rule(&self, index: usize) -> Option<&Activity> {
        let first = self.earn_rules.len().checked_sub(self.activities.len())?;
        self.activities.get(index.checked_sub(first)?)
    }
}

/// `GET /v1/me/activities`: how many more times the member may earn each
/// of the program's activities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberActivities {
    /// One per activity of the program, in its order.
    pub activities: Vec<ActivityStanding>,
}

/// One activity as a member stands with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ActivityStanding {
    /// The activity.
    pub activity_id: String,
    /// Times earned, ever.
    pub earned: u32,
    /// How many more times it earns now, under its caps (`0`: not now);
    /// `null` when it has no cap.
    pub left: Option<u32>,
}

/// `GET /v1/me`: a member's standing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberSummary {
    /// The member.
    pub customer_id: String,
    /// Spendable points.
    pub balance: i64,
    /// Earned points not yet spendable.
    pub pending: i64,
    /// Points earned over the member's lifetime, net of refunds.
    pub lifetime_earned: i64,
    /// Current tier.
    pub tier: Option<String>,
    /// The next tier and what is missing.
    pub next_tier: Option<NextTierSummary>,
    /// Points that will expire, soonest first.
    pub expiring: Vec<Expiring>,
    /// When pending points become spendable, soonest first.
    #[serde(default)]
    pub pending_lots: Vec<PendingLot>,
    /// With tiers over a window: the member's progress in it, and until
    /// when a tier the progress no longer reaches is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_window: Option<TierWindowStatus>,
    /// The member's store gift cards with something left on them and not
    /// expired, newest first (at most 10), each as a coupon whose discount
    /// is what is left (`offer`: "gift card: $19.00 left").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gift_cards: Vec<CouponSummary>,
}

/// A member's standing in the program's tier window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TierWindowStatus {
    /// The window.
    pub window: crate::program::TierWindow,
    /// What counts toward tiers since `since` (points or minor units
    /// spent, per the program's basis).
    pub progress: i64,
    /// Where the window starts now.
    pub since: Timestamp,
    /// When a calendar-year window starts again from nothing (and each
    /// member's tier is reviewed against the new year); none for a
    /// rolling window, which moves every day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<Timestamp>,
    /// While the progress is below the tier shown: until when it is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keeps_until: Option<Timestamp>,
}

/// The next tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NextTierSummary {
    /// Its name.
    pub name: String,
    /// Its threshold.
    pub threshold: i64,
    /// Points still needed (for a spend-based program: minor units).
    pub points_needed: i64,
}

/// Pending points and when they become spendable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PendingLot {
    /// Points.
    pub points: i64,
    /// When they become spendable.
    pub available_at: Timestamp,
}

/// `GET /v1/members/{id}`: the summary plus the attributes rules read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberDetail {
    /// Standing.
    #[serde(flatten)]
    pub summary: MemberSummary,
    /// Tags.
    pub tags: Vec<String>,
    /// Enrolment date `YYYY-MM-DD`.
    pub enrolled_at: Option<String>,
    /// Birthday `YYYY-MM-DD`.
    pub birthday: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

crate::flat::read_flattened!(MemberDetail { summary, tags: Vec<String>, enrolled_at: Option<String>, birthday: Option<String>, email: Option<String> });

impl MemberDetail {
    /// What eligibility rules read of this member, as the server reads it
    /// (the tier shown is the tier rules test): the console checks a rule
    /// being written against a member with the very function redemption
    /// runs ([`crate::eligibility::Eligibility::explain`]).
    pub fn attributes(&self) -> crate::eligibility::MemberAttributes {
        use crate::timestamp::parse_date;
        crate::eligibility::MemberAttributes {
            enrolled_at: self.enrolled_at.as_deref().and_then(parse_date),
            birthday: self.birthday.as_deref().and_then(parse_date),
            email: self.email.clone(),
            tags: self.tags.clone(),
            tier: self.summary.tier.clone(),
            lifetime_earned: self.summary.lifetime_earned,
        }
    }
}

/// `GET /v1/members`: a page of members, ordered by customer id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberList {
    /// Members, each as `GET /v1/members/{id}` shows it.
    pub members: Vec<MemberDetail>,
    /// Pass as `?cursor=` for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// `PATCH /v1/members/{id}`: attributes to set; absent fields stay, `null` clears.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// Tags (replaces the set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Enrolment date.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub enrolled_at: Option<Option<String>>,
    /// Birthday.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub birthday: Option<Option<String>>,
    /// E-mail.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub email: Option<Option<String>>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Option<String>>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

/// One reward labelled for one member: the whole [`Reward`] on the server
/// route `GET /v1/members/{id}/rewards`, a [`RewardView`] on the shopper's
/// `GET /v1/me/rewards` ([`ShopperOffers`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "{R}Offer"))]
pub struct RewardOffer<R = Reward> {
    /// The reward.
    pub reward: R,
    /// Eligible (rules and limits).
    pub eligible: bool,
    /// Balance covers the cost.
    pub affordable: bool,
    /// Points missing.
    pub points_needed: i64,
    /// Why not eligible, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `GET /v1/members/{id}/rewards` ([`Reward`]) and, as [`ShopperOffers`],
/// `GET /v1/me/rewards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "{R}Offers"))]
pub struct RewardOffers<R = Reward> {
    /// The rewards the member may see.
    pub rewards: Vec<RewardOffer<R>>,
}

/// `GET /v1/me/rewards`: every active reward, as a shopper sees it.
pub type ShopperOffers = RewardOffers<RewardView>;

impl<R> RewardOffer<R> {
    /// The same verdict about a different view of the reward.
    pub fn map<S>(self, f: impl FnOnce(R) -> S) -> RewardOffer<S> {
        RewardOffer {
            reward: f(self.reward),
            eligible: self.eligible,
            affordable: self.affordable,
            points_needed: self.points_needed,
            reason: self.reason,
        }
    }
}

/// `POST …/redemptions` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    /// Which reward.
    pub reward_id: String,
    /// What the reward's `transaction_attributes` ask of a redemption
    /// (`reward::check_attributes`); stored with it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, crate::reward::AttributeValue>,
}

/// `POST …/redemptions` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RedemptionReceipt {
    /// The redemption's id.
    pub redemption_id: String,
    /// The reward.
    pub reward_id: String,
    /// Points debited.
    pub points_debited: i64,
    /// Balance after the debit.
    pub balance_after: i64,
    /// The coupon to use at checkout.
    pub coupon: CouponSummary,
    /// The reward's words for after the redemption, in the request's
    /// language (plain text), when it has some there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_text: Option<String>,
}

/// The `loyalty:redeemed` event's `detail`, which the widget sends to the
/// host page: what a store needs to apply the code to its cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RedeemedEvent {
    /// The code.
    pub code: String,
    /// The reward.
    pub reward_id: String,
    /// The redemption.
    pub redemption_id: String,
    /// What it gives.
    pub discount: Discount,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// Smallest order it applies to.
    pub min_order_minor: i64,
    /// What it gives in words ("$5.00 off").
    pub offer: String,
}

impl From<&RedemptionReceipt> for RedeemedEvent {
    fn from(r: &RedemptionReceipt) -> RedeemedEvent {
        RedeemedEvent {
            code: r.coupon.code.clone(),
            reward_id: r.reward_id.clone(),
            redemption_id: r.redemption_id.clone(),
            discount: r.coupon.discount.clone(),
            expires_at: r.coupon.expires_at,
            min_order_minor: r.coupon.min_order_minor,
            offer: r.coupon.offer.clone(),
        }
    }
}

/// A coupon as a shopper gets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CouponSummary {
    /// The code.
    pub code: String,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// What it gives.
    pub discount: Discount,
    /// Smallest order it applies to.
    pub min_order_minor: i64,
    /// What it gives, in the request's language ("$5.00 off"):
    /// [`coupon::offer_in_words`].
    #[serde(default)]
    pub offer: String,
    /// The minimum order in words ("Minimum order $20.00"), when there is
    /// one: [`coupon::min_order_in_words`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_order: Option<String>,
}

impl CouponSummary {
    /// A coupon worded for a shopper reading `lang`. `store_currency`
    /// words the minimum order of a discount that names no currency (see
    /// [`CouponSummary::needs_store_currency`]).
    pub fn new(
        code: String,
        expires_at: Option<Timestamp>,
        discount: Discount,
        min_order_minor: i64,
        store_currency: Option<&str>,
        lang: Lang,
    ) -> CouponSummary {
        let currency = discount.currency.as_deref().or(store_currency);
        let min_order = currency.and_then(|c| coupon::min_order_in_words(min_order_minor, c, lang));
        CouponSummary {
            offer: coupon::offer_in_words(&discount, lang),
            code,
            expires_at,
            discount,
            min_order_minor,
            min_order,
        }
    }

    /// Whether wording this coupon's minimum order needs the store's
    /// currency (the program's), so a caller loads it only then.
    pub fn needs_store_currency(discount: &Discount, min_order_minor: i64) -> bool {
        min_order_minor > 0 && discount.currency.is_none()
    }
}

/// `GET /v1/me/coupons`: the member's codes still to use (not used, not
/// expired), newest first, so a shopper finds a code after the page that
/// showed it is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberCoupons {
    /// Newest first, at most 50.
    pub coupons: Vec<MemberCoupon>,
}

/// One of a member's codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberCoupon {
    /// The reward it was redeemed for.
    pub reward_id: String,
    /// The redemption that issued it.
    pub redemption_id: String,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// The code, what it gives, until when and from what order size.
    #[serde(flatten)]
    pub coupon: CouponSummary,
}

crate::flat::read_flattened!(MemberCoupon { coupon, reward_id: String, redemption_id: String, issued_at: Timestamp });

/// A ledger entry on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Transaction {
    /// Entry id.
    pub transaction_id: i64,
    /// What caused it.
    pub kind: EntryKind,
    /// Signed points.
    pub points: i64,
    /// When it was posted.
    pub created_at: Timestamp,
    /// Human description.
    pub description: String,
    /// Order, for earn/refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Reward, for redeem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_id: Option<String>,
    /// Redemption, for redeem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption_id: Option<String>,
    /// When these points expire (positive entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// A page of transactions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TransactionPage {
    /// Entries.
    pub transactions: Vec<Transaction>,
    /// Pass as `?cursor=` for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// `POST /v1/checkout/points` body: a single-use code worth `points` for
/// one order of one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckoutPointsRequest {
    /// The member paying.
    pub customer_id: String,
    /// The order the code is for; it is used on no other.
    pub order_id: String,
    /// Points to spend: a positive multiple of the program's step
    /// (`pay_with_points.step` of `GET /v1/program`).
    #[serde(deserialize_with = "numbers::safe")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 9_007_199_254_740_991i64)))]
    pub points: i64,
}

/// `POST /v1/checkout/points` answer (201; the same order and points again:
/// 200 with the first answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckoutPointsReceipt {
    /// The member.
    pub customer_id: String,
    /// The order.
    pub order_id: String,
    /// Points debited.
    pub points_debited: i64,
    /// Balance after the debit.
    pub balance_after: i64,
    /// The code: redeemed with `POST /v1/coupons/{code}/redeem` on this
    /// order within its hour, or its points come back.
    pub coupon: CouponSummary,
}

/// `POST /v1/gift-cards/{code}/debit` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GiftCardDebitRequest {
    /// The order paid with the card: once per order (the same order again
    /// answers the first debit).
    pub order_id: String,
    /// Minor units to take, positive; never more than the balance.
    #[serde(deserialize_with = "numbers::safe")]
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 9_007_199_254_740_991i64)))]
    pub amount_minor: i64,
}

/// `POST /v1/gift-cards/{code}/debit` answer (201; the same order again:
/// 200 with the first answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GiftCardDebit {
    /// The card.
    pub code: String,
    /// The order.
    pub order_id: String,
    /// Minor units taken.
    pub debited: i64,
    /// What is left on the card.
    pub balance_minor: i64,
    /// The card's currency.
    pub currency: String,
}

/// One debit of a gift card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GiftCardUse {
    /// The order.
    pub order_id: String,
    /// Minor units taken.
    pub amount_minor: i64,
    /// When.
    pub created_at: Timestamp,
}

/// `GET /v1/gift-cards/{code}`: a store gift card and its balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GiftCard {
    /// The code.
    pub code: String,
    /// What is left, minor units.
    pub balance_minor: i64,
    /// Its currency.
    pub currency: String,
    /// The member it was issued to.
    pub customer_id: String,
    /// When it expires, if it does.
    pub expires_at: Option<Timestamp>,
    /// What it held when issued.
    pub initial_minor: i64,
    /// The reward it came from.
    pub reward_id: String,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// Its debits, newest first (at most 100).
    pub debits: Vec<GiftCardUse>,
}

/// One line of a reward order, as `POST` and `GET /v1/reward-orders…`
/// answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RewardOrderLine {
    /// Its number in the order, from 1.
    pub line: u32,
    /// The reward sent.
    pub reward_id: String,
    /// Who gets it.
    pub customer_id: String,
    /// How many.
    pub quantity: u32,
    /// How it reaches them.
    pub delivery: crate::reward_order::Delivery,
    /// Words for the claim page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personalization: Option<crate::reward_order::Personalization>,
    /// Where the line stands.
    pub status: crate::reward_order::OrderStatus,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a link delivery: the page the customer opens to claim the codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_url: Option<String>,
    /// The codes issued, in order.
    #[serde(default)]
    pub codes: Vec<String>,
}

/// A reward order (seed 003): `POST /v1/reward-orders` (201; the same
/// `po_number` again: 200 with the order as it stands) and
/// `GET /v1/reward-orders/{order_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RewardOrder {
    /// Its id.
    pub order_id: String,
    /// The store's PO number.
    pub po_number: String,
    /// Where the order stands (`reward_order::order_status` of its lines).
    pub status: crate::reward_order::OrderStatus,
    /// When it was made.
    pub created_at: Timestamp,
    /// When its status last changed.
    pub updated_at: Timestamp,
    /// Its lines.
    pub line_items: Vec<RewardOrderLine>,
}

/// A code on a claim page, once claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClaimedCode {
    /// The code.
    pub code: String,
    /// What it gives, in the request's language.
    pub offer: String,
    /// When it expires, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// `GET` and `POST /v1/claims/{token}`: what a claim page shows. Public:
/// the token is the credential, so a wrong one is a 404 like any other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClaimView {
    /// The store's program name.
    pub store: String,
    /// The reward.
    pub reward: RewardView,
    /// How many codes the link holds.
    pub quantity: u32,
    /// Words from the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personalization: Option<crate::reward_order::Personalization>,
    /// When it was claimed; absent until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<Timestamp>,
    /// The codes: empty until claimed (`POST`).
    #[serde(default)]
    pub codes: Vec<ClaimedCode>,
}

/// `DELETE /v1/checkout/points/{code}` answer: the points are back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckoutPointsCancelled {
    /// The code, now unusable.
    pub code: String,
    /// Points given back.
    pub points_returned: i64,
    /// When they came back.
    pub returned_at: Timestamp,
    /// The member's balance now.
    pub balance_after: i64,
}

/// `POST /v1/members/{id}/adjustments` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    /// Signed, non-zero.
    #[serde(deserialize_with = "numbers::safe")]
    #[cfg_attr(feature = "schema", schemars(range(min = -9_007_199_254_740_991i64, max = 9_007_199_254_740_991i64)))]
    pub points: i64,
    /// Why (shown in the member's history).
    pub reason: String,
}

/// Event types of `POST /v1/events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// A purchase (earns per the purchase rule).
    Purchase,
    /// Joining.
    Signup,
    /// Birthday.
    Birthday,
    /// A review.
    Review,
    /// A referral.
    Referral,
    /// One of the program's own activities (`activity_id`).
    Activity,
}

/// `POST /v1/events` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    /// Event type.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The member.
    pub customer_id: String,
    /// Purchases: the order (idempotency key of the earning).
    #[serde(default)]
    pub order_id: Option<String>,
    /// Purchases: amount in minor units.
    #[serde(default, deserialize_with = "numbers::safe_opt")]
    #[cfg_attr(feature = "schema", schemars(range(min = -9_007_199_254_740_991i64, max = 9_007_199_254_740_991i64)))]
    pub amount_minor: Option<i64>,
    /// Purchases: currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// When it happened (default: now).
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
    /// Bonus events: the storefront's id for it (review id, referral id),
    /// which makes the bonus idempotent; required for an activity.
    #[serde(default)]
    pub event_id: Option<String>,
    /// Activities: which of the program's activities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<String>,
    /// Purchases: the order's items. With them, each item earns at its
    /// category's rate, excluded items earn nothing, and what they do not
    /// cover (shipping, taxes) earns nothing; their amounts may not add
    /// up to more than `amount_minor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<LineItem>>,
}

/// One line of a purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LineItem {
    /// The product's sku, once per order.
    pub sku: String,
    /// Its category, for the program's category rates and exclusions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// How many (at least 1).
    pub quantity: u32,
    /// The line's total (all of its quantity), minor units.
    #[serde(deserialize_with = "numbers::safe")]
    #[cfg_attr(feature = "schema", schemars(range(min = -9_007_199_254_740_991i64, max = 9_007_199_254_740_991i64)))]
    pub amount_minor: i64,
}

/// What one line of a purchase earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ItemPoints {
    /// The line's sku.
    pub sku: String,
    /// Points it earned (before any is taken back).
    pub points: i64,
    /// Whether the program excludes it from earning.
    pub excluded: bool,
}

/// One item of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundItem {
    /// A sku of the order.
    pub sku: String,
    /// How much of that line is refunded, minor units.
    #[serde(deserialize_with = "numbers::safe")]
    #[cfg_attr(feature = "schema", schemars(range(min = -9_007_199_254_740_991i64, max = 9_007_199_254_740_991i64)))]
    pub amount_minor: i64,
}

/// What a refund took from one item of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ItemRefund {
    /// The line's sku.
    pub sku: String,
    /// Refunded from it.
    pub amount_minor: i64,
    /// Points this takes back from what it earned.
    pub points_due: i64,
}

/// `POST /v1/events` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventReceipt {
    /// Event type.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The member.
    pub customer_id: String,
    /// Order (purchases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Points earned (0 if the cap was reached or the order too small).
    pub points_earned: i64,
    /// Whether they are pending (not yet spendable).
    pub pending: bool,
    /// When they become spendable.
    pub available_at: Timestamp,
    /// The ledger entry, once the points are in the ledger.
    pub transaction: Option<Transaction>,
    /// The campaign that multiplied a purchase's points, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<AppliedCampaign>,
    /// A purchase sent with items: what each earned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemPoints>,
}

/// A campaign as a purchase's answer names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AppliedCampaign {
    /// The merchant's id for it.
    pub campaign_id: String,
    /// Its name.
    pub name: String,
    /// Its multiplier (200 = ×2), applied on top of the tier's.
    pub multiplier_percent: u32,
}

/// `POST /v1/orders/{order_id}/refunds` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Refunded amount, minor units.
    #[serde(deserialize_with = "numbers::safe")]
    #[cfg_attr(feature = "schema", schemars(range(min = -9_007_199_254_740_991i64, max = 9_007_199_254_740_991i64)))]
    pub amount_minor: i64,
    /// For an order sent with items: which of them are refunded, and how
    /// much of each; the rest of `amount_minor` refunds what the items do
    /// not cover (shipping, taxes). Without, the refund is shared by every
    /// line in proportion to what is left of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<RefundItem>,
}

/// `POST /v1/orders/{order_id}/refunds` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RefundReceipt {
    /// The order.
    pub order_id: String,
    /// The member.
    pub customer_id: String,
    /// This refund's amount.
    pub amount_minor: i64,
    /// All refunds of the order so far.
    pub refunded_total_minor: i64,
    /// Points taken back by this refund.
    pub points_reversed: i64,
    /// Points due but not taken back because the member had already spent
    /// them (a balance never goes below zero).
    pub points_forgiven: i64,
    /// For an order sent with items: what this refund took from each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemRefund>,
}

/// `POST /v1/coupons/validate` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// The code as typed.
    pub code: String,
    /// The customer checking out.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// The order amount.
    #[serde(default, deserialize_with = "numbers::safe_opt")]
    #[cfg_attr(feature = "schema", schemars(range(min = -9_007_199_254_740_991i64, max = 9_007_199_254_740_991i64)))]
    pub order_amount_minor: Option<i64>,
    /// The order currency.
    #[serde(default)]
    pub currency: Option<String>,
}

/// `POST /v1/coupons/validate` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidateResponse {
    /// Whether the code applies.
    pub valid: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<InvalidReason>,
    /// The discount it gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
    /// The reward it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_id: Option<String>,
    /// What it gives, in the request's language, when it applies ("15% off"):
    /// [`coupon::offer_in_words`], as the widget showed it to the shopper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
}

/// `POST /v1/coupons/{code}/redeem` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CouponRedeemRequest {
    /// The order the coupon is used on.
    pub order_id: String,
    /// The customer checking out: when given, another member's code is
    /// refused as unknown.
    #[serde(default)]
    pub customer_id: Option<String>,
}

/// `POST /v1/coupons/{code}/redeem` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CouponRedemption {
    /// The code.
    pub code: String,
    /// The order.
    pub order_id: String,
    /// The reward it came from; none for a code made with points at
    /// checkout (`POST /v1/checkout/points`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_id: Option<String>,
    /// The member it was issued to.
    pub customer_id: String,
    /// When it was used.
    pub redeemed_at: Timestamp,
    /// What it gives.
    pub discount: Discount,
}

/// `POST /v1/rewards/{id}/coupons` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CouponPoolRequest {
    /// Pre-made codes.
    pub codes: Vec<String>,
}

/// A reward's codes (`coupons_info`), every one counted, generated or
/// from the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CouponsInfo {
    /// Codes the reward has: its pool, issued or not, and every generated code.
    pub total: i64,
    /// Codes handed to a redemption (or a reward given free).
    pub issued: i64,
    /// Codes used on an order.
    pub redeemed: i64,
}

/// `GET /v1/rewards/{id}`: the reward plus its codes' counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RewardDetail {
    /// The reward.
    #[serde(flatten)]
    pub reward: Reward,
    /// Pool counts.
    pub coupons_info: CouponsInfo,
}

crate::flat::read_flattened!(RewardDetail { reward, coupons_info: CouponsInfo });

/// `POST /v1/rewards/{id}/coupons` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PoolAdded {
    /// The reward.
    pub reward_id: String,
    /// Codes added to the pool.
    pub added: i64,
    /// Codes already known, not added again.
    pub duplicates: Vec<String>,
    /// The pool's counts after the upload.
    pub coupons_info: CouponsInfo,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health {
    /// Always `ok` when the Worker answers.
    pub status: HealthStatus,
}

/// The one health status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Serving.
    Ok,
}

/// `GET /v1/rewards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RewardList {
    /// All rewards, active and inactive.
    pub rewards: Vec<Reward>,
}

/// `POST /v1/webhooks` body: where to deliver which events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// `https://` URL (in development also `http://localhost` or `http://127.0.0.1`).
    pub url: String,
    /// Event types (`points.earned`, ...), or `["*"]` for all of them.
    pub events: Vec<String>,
    /// What it is for, for the store's own records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A subscribed endpoint (its secret is shown only at creation and rotation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Webhook {
    /// Its id.
    pub webhook_id: String,
    /// Where deliveries go.
    pub url: String,
    /// Event types it receives, or `["*"]`.
    pub events: Vec<String>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// False once the endpoint answered `410 Gone`: nothing more is sent.
    pub active: bool,
    /// When it was created.
    pub created_at: Timestamp,
}

/// `POST /v1/webhooks` answer: the endpoint and its signing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookCreated {
    /// The endpoint.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_...`: verifies the `webhook-signature` of every delivery.
    pub secret: String,
}

crate::flat::read_flattened!(WebhookCreated { webhook, secret: String });

/// `GET /v1/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookList {
    /// Every endpoint, oldest first.
    pub webhooks: Vec<Webhook>,
}

/// `POST /v1/webhooks/{webhook_id}/rotate-secret` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SecretRotated {
    /// The endpoint.
    pub webhook_id: String,
    /// The new secret; deliveries carry its signature from now on.
    pub secret: String,
    /// Until when deliveries also carry the previous secret's signature.
    pub previous_secret_until: Timestamp,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not delivered yet; tried again at `next_attempt_at`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up after a day of tries, or the endpoint is gone.
    Failed,
}

/// One event on its way to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Delivery {
    /// Its id.
    pub delivery_id: String,
    /// The event (the `webhook-id` header of every try).
    pub event_id: String,
    /// Event type.
    #[serde(rename = "type")]
    pub kind: crate::webhook::EventType,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Tries so far.
    pub attempts: u32,
    /// The endpoint's last answer, if it answered.
    pub last_status_code: Option<u16>,
    /// When it is tried next (pending only).
    pub next_attempt_at: Option<Timestamp>,
    /// When the endpoint took it.
    pub delivered_at: Option<Timestamp>,
    /// When the event happened.
    pub created_at: Timestamp,
}

/// `GET /v1/webhooks/{webhook_id}/deliveries`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveryPage {
    /// Deliveries.
    pub deliveries: Vec<Delivery>,
    /// Pass as `?cursor=` for the next page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// `DELETE /v1/webhooks/{webhook_id}` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookDeleted {
    /// The endpoint.
    pub webhook_id: String,
    /// Always true: it and its deliveries are gone.
    pub deleted: bool,
}

/// `POST /v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry` answer (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RetryAccepted {
    /// The delivery, queued to be sent now.
    pub delivery_id: String,
    /// `pending` until the endpoint answers.
    pub status: DeliveryStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The five types that carry another's fields at their level are read
    /// by `crate::flat::split`, not serde's derived `flatten`: what the
    /// Worker writes reads back the same through a streaming reader and a
    /// value reader, each field in its place, and a missing field of
    /// either part is still an error.
    #[test]
    fn flattened_types_read_back_what_is_written() {
        fn round_trip<T>(t: &T, flat_key: &str, own_key: &str)
        where
            T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
        {
            let json = serde_json::to_value(t).unwrap();
            assert!(json.get(flat_key).is_some() && json.get(own_key).is_some(), "{json}");
            assert_eq!(&serde_json::from_str::<T>(&json.to_string()).unwrap(), t);
            assert_eq!(&serde_json::from_value::<T>(json.clone()).unwrap(), t);
            for key in [flat_key, own_key] {
                let mut missing = json.clone();
                missing.as_object_mut().unwrap().remove(key);
                let e = serde_json::from_value::<T>(missing).unwrap_err().to_string();
                assert!(e.contains(key), "{key}: {e}");
            }
        }
        let at = Timestamp(1_800_000_000);
        let coupon = CouponSummary {
            code: "LOY-ABCD".into(),
            expires_at: Some(at),
            discount: Discount {
                kind: RewardKind::FixedAmountDiscount,
                amount_minor: Some(500),
                currency: Some("USD".into()),
                percent: None,
                sku: None,
            },
            min_order_minor: 2000,
            offer: "$5.00 off".into(),
            min_order: Some("on orders of $20.00 or more".into()),
        };
        round_trip(
            &MemberCoupon {
                reward_id: "5_OFF".into(),
                redemption_id: "r1".into(),
                issued_at: at,
                coupon: coupon.clone(),
            },
            "code",
            "redemption_id",
        );
        let summary: MemberSummary = serde_json::from_value(serde_json::json!({
            "customer_id": "alice", "balance": 1200, "pending": 50, "lifetime_earned": 3000, "tier": "Gold",
            "next_tier": null, "expiring": [{"points": 100, "expires_at": "2027-01-01T00:00:00Z"}], "pending_lots": [],
        }))
        .unwrap();
        let detail = MemberDetail {
            summary: MemberSummary { gift_cards: vec![coupon], ..summary },
            tags: vec!["vip".into()],
            enrolled_at: Some("2024-01-01".into()),
            birthday: None,
            email: Some("alice@example.com".into()),
        };
        round_trip(&detail, "balance", "tags");
        let webhook = Webhook {
            webhook_id: "wh_1".into(),
            url: "https://store.example/hooks".into(),
            events: vec!["*".into()],
            description: None,
            active: true,
            created_at: at,
        };
        round_trip(&WebhookCreated { webhook, secret: "whsec_x".into() }, "url", "secret");
        let view = ApiKeyView {
            key_id: "key_1".into(),
            name: "checkout".into(),
            scopes: vec![crate::apikey::Scope::Checkout],
            created_at: at,
        };
        round_trip(&ApiKeyCreated { view, key: "lek_x".into() }, "scopes", "key");
        let rewards: Vec<Reward> = serde_json::from_str(include_str!("../../edge/seed/rewards.json")).unwrap();
        for reward in rewards {
            let info = CouponsInfo { total: 3, issued: 2, redeemed: 1 };
            round_trip(&RewardDetail { reward, coupons_info: info }, "points_cost", "coupons_info");
        }
    }

    /// A client written with these types (the console, the CLI) sends what
    /// it means: a field it leaves alone is absent, never a `null` that
    /// clears it. Found by the `request_bodies` fuzz target.
    #[test]
    fn a_member_patch_reads_back_as_written() {
        let cases = [
            MemberPatch::default(),
            MemberPatch { email: Some(None), ..MemberPatch::default() },
            MemberPatch { birthday: Some(Some("1990-02-03".into())), tags: Some(vec![]), ..MemberPatch::default() },
        ];
        for patch in cases {
            let json = serde_json::to_string(&patch).unwrap();
            assert_eq!(serde_json::from_str::<MemberPatch>(&json).unwrap(), patch, "{json}");
        }
        assert_eq!(serde_json::to_string(&MemberPatch::default()).unwrap(), "{}");
    }

    /// The widget marks the activities' lines of the earn rules with what
    /// the member has left: each line words the activity it is paired with.
    #[test]
    fn each_activity_is_paired_with_its_own_earn_rule() {
        let mut p = Program::from_json(crate::program::tests_support::DEMO).unwrap();
        for (id, name) in [("follow", "Follow us"), ("survey", "Answer a survey")] {
            p.activities.push(Activity {
                activity_id: id.into(),
                name: name.into(),
                points: 50,
                per_member_cap: Some(1),
                per_period: None,
            });
        }
        for lang in [Lang::En, Lang::Fr] {
            let summary = ProgramSummary::of(&p, lang, Timestamp(0));
            let paired: Vec<(usize, &str)> = (0..summary.earn_rules.len())
                .filter_map(|i| summary.activity_of_rule(i).map(|a| (i, a.name.as_str())))
                .collect();
            assert_eq!(paired.len(), 2);
            for (i, name) in paired {
                assert!(summary.earn_rules[i].ends_with(name), "{} words {name}", summary.earn_rules[i]);
            }
        }
        let none = Program { activities: Vec::new(), ..p };
        assert_eq!(ProgramSummary::of(&none, Lang::En, Timestamp(0)).activity_of_rule(0), None);
    }
}

/// `POST /v1/imports`: members brought from another program, at most
/// [`crate::import::MAX_ROWS`]. Each row is read on its own
/// ([`ImportRow`]), so a row of the wrong shape is reported by its index
/// and the others are imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// The rows, each an [`ImportRow`].
    #[cfg_attr(feature = "schema", schemars(with = "Vec<ImportRow>"))]
    pub members: Vec<serde_json::Value>,
}

/// One member to import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportRow {
    /// The store's id of the customer.
    pub customer_id: String,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Birthday, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// When the member joined the previous program: `YYYY-MM-DD` or an
    /// RFC 3339 date-time (its date is kept). Default: the day of import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled_at: Option<String>,
    /// Spendable points to credit, once (an `import` ledger entry).
    #[serde(deserialize_with = "numbers::safe")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = 9_007_199_254_740_991i64)))]
    pub points: i64,
    /// Points earned over the member's life in the previous program, for
    /// tiers (at least `points`). Default: `points`.
    #[serde(default, deserialize_with = "numbers::safe_opt", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = 0, max = 9_007_199_254_740_991i64)))]
    pub lifetime_earned: Option<i64>,
}

/// `POST /v1/imports`: what became of the rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ImportResult {
    /// Rows imported now: the member's points credited.
    pub imported: u32,
    /// Rows imported before, with the same points: nothing changed.
    pub unchanged: u32,
    /// Rows not imported, each with why.
    pub errors: Vec<ImportIssue>,
}

/// A row not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ImportIssue {
    /// The row's index in `members`, from 0.
    pub row: u32,
    /// The row's customer id, when it has one.
    pub customer_id: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// `DELETE /v1/members/{id}`: the member's personal data is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Erased {
    /// Always true.
    pub erased: bool,
    /// The opaque key the member's ledger entries keep (the ledger export
    /// names them by it).
    pub member_key: String,
}

/// `GET /v1/members/{id}/export`: every datum held on a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemberExport {
    /// The store's id of the customer.
    pub customer_id: String,
    /// The member's opaque key in the ledger export.
    pub member_key: String,
    /// Attributes.
    pub attributes: ExportAttributes,
    /// Spendable points.
    pub balance: i64,
    /// Points earned over the member's life.
    pub lifetime_earned: i64,
    /// Money spent, in minor units.
    pub lifetime_spend_minor: i64,
    /// When the member was first written.
    pub created_at: Timestamp,
    /// Every ledger entry, oldest first.
    pub ledger: Vec<ExportEntry>,
    /// Points earned, not yet spendable.
    pub pending_points: Vec<ExportPending>,
    /// Purchases.
    pub orders: Vec<ExportOrder>,
    /// Refunds of those purchases.
    pub refunds: Vec<ExportRefund>,
    /// Bonus events claimed.
    pub bonus_claims: Vec<ExportBonus>,
    /// Rewards redeemed.
    pub redemptions: Vec<ExportRedemption>,
    /// Coupons issued to the member.
    pub coupons: Vec<ExportCoupon>,
    /// The import from the previous program, if any.
    pub import: Option<ExportImport>,
    /// Referrals the member made, or came through.
    pub referrals: Vec<ExportReferral>,
    /// Lines of reward orders sent to the member (seed 003).
    pub reward_orders: Vec<ExportRewardOrderLine>,
    /// Store gift cards issued to the member, with what is left.
    #[serde(default)]
    pub gift_cards: Vec<ExportGiftCard>,
    /// Codes made with the member's points at checkout.
    #[serde(default)]
    pub checkout_codes: Vec<ExportCheckoutCode>,
    /// Webhook events about the member still kept for delivery.
    pub webhook_events: Vec<ExportEvent>,
}

/// A line of a reward order, in a member's export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportRewardOrderLine {
    /// The order.
    pub order_id: String,
    /// Its PO number.
    pub po_number: String,
    /// The line.
    pub line: u32,
    /// The reward.
    pub reward_id: String,
    /// How many.
    pub quantity: u32,
    /// Where it stands.
    pub status: crate::reward_order::OrderStatus,
    /// Why it failed.
    pub reason: Option<String>,
    /// How it was delivered.
    pub delivery: crate::reward_order::DeliveryKind,
    /// Where the store sent the link.
    pub email: Option<String>,
    /// The store's words for the member.
    pub personalization: Option<crate::reward_order::Personalization>,
    /// When the member claimed the link.
    pub claimed_at: Option<Timestamp>,
}

/// A store gift card, in a member's export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportGiftCard {
    /// The code.
    pub code: String,
    /// The reward it came from.
    pub reward_id: String,
    /// Its currency.
    pub currency: String,
    /// What it held.
    pub initial_minor: i64,
    /// What is left.
    pub balance_minor: i64,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
}

/// A code made with points at checkout, in a member's export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportCheckoutCode {
    /// The code.
    pub code: String,
    /// The order it was for.
    pub order_id: String,
    /// Points spent.
    pub points: i64,
    /// What it took off.
    pub amount_minor: i64,
    /// In this currency.
    pub currency: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was used on its order.
    pub used_at: Option<Timestamp>,
    /// When its points came back.
    pub returned_at: Option<Timestamp>,
}

/// A member's attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportAttributes {
    /// E-mail.
    pub email: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Birthday.
    pub birthday: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Enrolment date.
    pub enrolled_at: String,
}

/// A ledger entry, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportEntry {
    /// Id.
    pub entry_id: i64,
    /// Kind.
    pub kind: EntryKind,
    /// Signed points.
    pub points: i64,
    /// When.
    pub created_at: Timestamp,
    /// When its points expire, for a credit.
    pub expires_at: Option<Timestamp>,
    /// Order.
    pub order_id: Option<String>,
    /// Reward.
    pub reward_id: Option<String>,
    /// Redemption.
    pub redemption_id: Option<String>,
    /// The lot an expiry closes.
    pub lot_id: Option<i64>,
    /// An adjustment's reason, or the name of the reward redeemed.
    pub reason: Option<String>,
    /// What made it.
    pub cause: String,
}

/// Pending points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportPending {
    /// Order.
    pub order_id: Option<String>,
    /// Points.
    pub points: i64,
    /// When they become spendable.
    pub available_at: Timestamp,
    /// When they will expire.
    pub expires_at: Option<Timestamp>,
}

/// A purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportOrder {
    /// Order.
    pub order_id: String,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// Points it earned.
    pub points_earned: i64,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// How much of it was refunded.
    pub refunded_minor: i64,
}

/// A refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportRefund {
    /// Order.
    pub order_id: String,
    /// Its number within the order.
    pub seq: i64,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// Points it took back.
    pub points_due: i64,
    /// When.
    pub created_at: Timestamp,
}

/// A bonus event claimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportBonus {
    /// Event.
    pub event: String,
    /// The caller's id of the event.
    pub event_id: Option<String>,
    /// When.
    pub created_at: Timestamp,
}

/// A redemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportRedemption {
    /// Id.
    pub redemption_id: String,
    /// Reward.
    pub reward_id: String,
    /// Points spent.
    pub points: i64,
    /// When.
    pub created_at: Timestamp,
    /// The attributes it carried (`RedeemRequest::attributes`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, crate::reward::AttributeValue>,
}

/// A coupon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportCoupon {
    /// Code.
    pub code: String,
    /// Reward.
    pub reward_id: String,
    /// Redemption that issued it.
    pub redemption_id: Option<String>,
    /// When issued.
    pub issued_at: Option<Timestamp>,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// When used.
    pub used_at: Option<Timestamp>,
    /// The order it was used on.
    pub used_order_id: Option<String>,
}

/// The import from the previous program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportImport {
    /// Points credited.
    pub points: i64,
    /// Lifetime points brought.
    pub lifetime_earned: i64,
    /// When.
    pub imported_at: Timestamp,
}

/// A referral the member made or came through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportReferral {
    /// Id.
    pub referral_id: String,
    /// The code used.
    pub code: String,
    /// The member whose code it was.
    pub referrer_id: String,
    /// The friend who signed up through it.
    pub friend_id: String,
    /// Where it stands.
    pub status: ReferralStatus,
    /// The friend's order that completed it.
    pub order_id: Option<String>,
    /// The referrer's points for it.
    pub points: Option<i64>,
    /// The friend's reward's code.
    pub coupon_code: Option<String>,
    /// When the friend signed up.
    pub created_at: Timestamp,
    /// When the friend's order completed it.
    pub completed_at: Option<Timestamp>,
}

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// The friend signed up; no qualifying order yet.
    SignedUp,
    /// The friend's first qualifying order earned the referrer their points.
    Completed,
    /// That order was refunded in full while the points were pending.
    Cancelled,
}

/// `GET /v1/me/referral`: the member's code, link and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferralSummary {
    /// The member's code, the same every time.
    pub code: String,
    /// The program's landing page with `?ref=CODE`.
    pub url: String,
    /// Friends who signed up through it.
    pub referred: i64,
    /// Of them, those whose first qualifying order earned the member points.
    pub completed: i64,
    /// Points earned by referrals, spendable or still pending.
    pub points_earned: i64,
    /// Of them, the points still pending.
    pub points_pending: i64,
    /// What a friend's order earns the member, in the request's language
    /// (`Program::referral_in_words`; empty when it earns no points).
    pub offer: String,
}

/// `POST /v1/referrals` body: a friend signs up through a member's link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    /// The code the link carried (`?ref=`).
    pub code: String,
    /// The friend.
    pub customer_id: String,
    /// The friend's e-mail, to refuse a member's own code under another id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `POST /v1/referrals` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferralReceipt {
    /// The referral.
    pub referral_id: String,
    /// The friend's reward, free; `null` when the reward is switched off
    /// or its pool is empty (the referral still counts).
    pub coupon: Option<CouponSummary>,
}

/// A webhook event about the member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportEvent {
    /// Id.
    pub event_id: String,
    /// Type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Payload.
    pub data: serde_json::Value,
    /// When.
    pub created_at: Timestamp,
}

/// `POST /v1/api-keys` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiKeyRequest {
    /// What the key is for ("POS till 3").
    pub name: String,
    /// What it may do.
    pub scopes: Vec<crate::apikey::Scope>,
}

/// A key as listed: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiKeyView {
    /// Its id.
    pub key_id: String,
    /// Its name.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<crate::apikey::Scope>,
    /// When it was made.
    pub created_at: Timestamp,
}

/// `POST /v1/api-keys` answer: the key, shown only here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiKeyCreated {
    /// The key as listed.
    #[serde(flatten)]
    pub view: ApiKeyView,
    /// The key (`lek_…`): kept only as its hash, so this is the one time
    /// it can be read.
    pub key: String,
}

crate::flat::read_flattened!(ApiKeyCreated { view, key: String });

/// `GET /v1/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiKeyList {
    /// Keys not revoked, newest first.
    pub api_keys: Vec<ApiKeyView>,
}

/// `DELETE /v1/api-keys/{key_id}` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiKeyRevoked {
    /// The key.
    pub key_id: String,
    /// Always true: the key is refused from now on.
    pub revoked: bool,
}

/// `POST /v1/session` body: the console's sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// The root key or an API key with the `admin` scope. It is checked and
    /// forgotten: the session's cookie is what the browser keeps.
    pub key: String,
}

/// `POST /v1/session` (201, with the cookie) and `GET /v1/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsoleSession {
    /// The key signed in with: its id, or `root` for `LOYALTY_API_KEY`.
    pub key_id: String,
    /// Its name (`Root key` for the root key).
    pub name: String,
    /// When the session ends, whatever is done with it.
    pub expires_at: Timestamp,
}

/// `DELETE /v1/session` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionEnded {
    /// Always true: the cookie is refused from now on, and removed.
    pub ended: bool,
}

/// `GET /v1/analytics/summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AnalyticsSummary {
    /// First day (UTC), `YYYY-MM-DD`.
    pub from: String,
    /// Last day (UTC), included.
    pub to: String,
    /// The range's totals.
    pub totals: AnalyticsTotals,
    /// Every day of the range, in order.
    pub daily: Vec<AnalyticsDay>,
    /// The rewards redeemed most in the range (at most 10).
    pub top_rewards: Vec<TopReward>,
    /// Members per tier now, lowest first.
    pub tiers: Vec<TierMembers>,
}

/// Totals of an analytics range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AnalyticsTotals {
    /// Points credited by purchases, bonuses, activities, referrals,
    /// imports and positive adjustments.
    pub points_issued: i64,
    /// Points spent on rewards.
    pub points_redeemed: i64,
    /// Points that expired.
    pub points_expired: i64,
    /// Every member's balance now, summed.
    pub points_outstanding: i64,
    /// What the outstanding points are worth at the program's
    /// `points_value`, in minor units; `null` when it sets none.
    pub liability_minor: Option<i64>,
    /// Members now.
    pub members_total: i64,
    /// Members with a ledger entry in the range.
    pub members_active: i64,
    /// Rewards redeemed in the range.
    pub redemptions: i64,
    /// Purchases in the range.
    pub purchases: i64,
    /// What they came to, in minor units.
    pub purchase_amount_minor: i64,
}

/// One day's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AnalyticsDay {
    /// The day (UTC), `YYYY-MM-DD`.
    pub date: String,
    /// Points credited that day.
    pub points_issued: i64,
    /// Points spent that day.
    pub points_redeemed: i64,
    /// Points expired that day.
    pub points_expired: i64,
    /// Rewards redeemed that day.
    pub redemptions: i64,
    /// Members first seen that day.
    pub new_members: i64,
    /// Purchases that day.
    pub purchases: i64,
    /// What they came to, in minor units.
    pub purchase_amount_minor: i64,
}

/// A reward among the most redeemed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TopReward {
    /// The reward.
    pub reward_id: String,
    /// Its name now.
    pub name: String,
    /// Redemptions in the range.
    pub redemptions: i64,
}

/// How many members hold a tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TierMembers {
    /// The tier.
    pub name: String,
    /// Members in it now.
    pub members: i64,
}
