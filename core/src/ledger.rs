//! The points ledger: append-only entries, and everything derived from them.
//!
//! Invariants (stated first, then hammered by the property tests below and,
//! at the edge, by the end-to-end tests against D1):
//! 1. `balance = Σ entries.points`, always; entries are never edited
//!    (a reversal is a new entry).
//! 2. A balance never goes below zero: [`Ledger::post`] refuses such an entry,
//!    as the D1 `CHECK (balance >= 0)` does at the edge.
//! 3. Points live in lots (one per positive entry). Spending consumes the
//!    oldest lot first (FIFO); expiry takes only what is left of a lot, so
//!    spent points are never expired; `Σ lots.remaining = balance`.
//! 4. Proportional reversal of an order's points never takes back more than
//!    the order earned, whatever the order and size of partial refunds.
//!
//! Pending points (earned, not yet spendable) are not in the ledger: they
//! join it as an `earn` entry when they become available, so the balance
//! is always exactly what can be spent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Refusal};
use crate::lang::Lang;
use crate::program::BonusEvent;
use crate::reward::AttributeValue;
use crate::timestamp::Timestamp;

/// What caused a ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Points earned (purchase or bonus event). Positive.
    Earn,
    /// Points spent on a reward. Negative.
    Redeem,
    /// Points taken back because an order was refunded (negative), or
    /// given back because a checkout code made with them was not used
    /// within its hour (positive; `crate::checkout`).
    Refund,
    /// A manual correction by the merchant. Either sign, never zero.
    Adjust,
    /// Points that reached their expiry date unspent. Negative.
    Expire,
    /// Points brought from the program a store used before (bulk import):
    /// credited once per member, counted as earned. Positive.
    Import,
}

impl EntryKind {
    /// The wire/storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Earn => "earn",
            EntryKind::Redeem => "redeem",
            EntryKind::Refund => "refund",
            EntryKind::Adjust => "adjust",
            EntryKind::Expire => "expire",
            EntryKind::Import => "import",
        }
    }

    /// Parses a storage name.
    pub fn parse(s: &str) -> Option<EntryKind> {
        [EntryKind::Earn, EntryKind::Redeem, EntryKind::Refund, EntryKind::Adjust, EntryKind::Expire, EntryKind::Import]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Whether an entry of this kind and sign counts towards lifetime
    /// earned points (earnings net of order refunds, and points brought
    /// from the program before; redemptions, adjustments and points given
    /// back from an unused checkout code do not count).
    pub fn counts_as_earned(self, points: i64) -> bool {
        match self {
            EntryKind::Earn | EntryKind::Import => true,
            EntryKind::Refund => points < 0,
            EntryKind::Redeem | EntryKind::Adjust | EntryKind::Expire => false,
        }
    }
}

/// What a line of a member's history is about: read by the edge from a
/// ledger row, worded here in the shopper's language ([`Line::words`]),
/// so a French widget's history is French.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// Points for an order (its id).
    Purchase(&'a str),
    /// A bonus event's points.
    Bonus(BonusEvent),
    /// Points spent on a reward (its name).
    Redemption(&'a str),
    /// Points spent on a reward (its name) whose redemption said something
    /// of itself (seed 004's transaction attributes), with the names the
    /// reward gave them then ([`crate::reward::attribute_labels`]).
    RedemptionWith(&'a str, &'a BTreeMap<String, AttributeValue>, &'a [(String, String)]),
    /// Points taken back for a refunded order (its id).
    Refund(&'a str),
    /// Points spent at checkout on an order (its id).
    AtCheckout(&'a str),
    /// Points given back: the checkout code made with them (its code) was
    /// not used within its hour.
    Returned(&'a str),
    /// Points that expired unspent.
    Expiry,
    /// A merchant's correction, in the merchant's words, which are shown
    /// as written: core cannot translate them.
    Adjustment(&'a str),
    /// Points brought from the store's previous program.
    Import,
}

impl Line<'_> {
    /// The line in `lang`.
    pub fn words(self, lang: Lang) -> String {
        let fr = lang == Lang::Fr;
        match self {
            Line::Purchase(order) if fr => format!("Achat {order}"),
            Line::Purchase(order) => format!("Purchase {order}"),
            Line::Bonus(event) => match (event, fr) {
                (BonusEvent::Signup, false) => "Signup bonus",
                (BonusEvent::Birthday, false) => "Birthday bonus",
                (BonusEvent::Review, false) => "Product review bonus",
                (BonusEvent::Referral, false) => "Referral bonus",
                (BonusEvent::Signup, true) => "Bonus d'inscription",
                (BonusEvent::Birthday, true) => "Bonus d'anniversaire",
                (BonusEvent::Review, true) => "Bonus avis produit",
                (BonusEvent::Referral, true) => "Bonus de parrainage",
            }
            .into(),
            Line::Redemption(reward) if fr => format!("Échange\u{a0}: {reward}"),
            Line::Redemption(reward) => format!("Redeemed: {reward}"),
            Line::RedemptionWith(reward, said, labels) => {
                format!("{} ({})", Line::Redemption(reward).words(lang), attributes_in_words(said, labels, lang))
            }
            Line::Refund(order) if fr => format!("Remboursement de la commande {order}"),
            Line::Refund(order) => format!("Refund of order {order}"),
            Line::AtCheckout(order) if fr => format!("Points utilisés au paiement de la commande {order}"),
            Line::AtCheckout(order) => format!("Points used at checkout on order {order}"),
            Line::Returned(code) if fr => format!("Points rendus\u{a0}: le code {code} n'a pas été utilisé"),
            Line::Returned(code) => format!("Points returned: code {code} was not used"),
            Line::Expiry if fr => "Points expirés".into(),
            Line::Expiry => "Points expired".into(),
            Line::Adjustment(reason) => reason.into(),
            Line::Import if fr => "Points repris de votre ancien programme".into(),
            Line::Import => "Points from your previous rewards program".into(),
        }
    }
}

/// A redemption's attributes as a history line says them: by the names
/// in `labels`, in their order ("Size: M · Quantity: 2 · Gift wrap: yes"),
/// then any without a name by their ids, in the order stored (redemptions
/// made before names were kept).
pub fn attributes_in_words(said: &BTreeMap<String, AttributeValue>, labels: &[(String, String)], lang: Lang) -> String {
    let named = labels.iter().filter_map(|(id, name)| said.get(id).map(|v| (name.as_str(), v)));
    let unnamed = said.iter().filter(|(id, _)| !labels.iter().any(|(l, _)| l == *id)).map(|(id, v)| (id.as_str(), v));
    named
        .chain(unnamed)
        .map(|(label, v)| {
            let v = match (v, lang) {
                (AttributeValue::Boolean(true), Lang::Fr) => "oui".to_owned(),
                (AttributeValue::Boolean(false), Lang::Fr) => "non".to_owned(),
                (v, _) => v.to_text(),
            };
            format!("{label}: {v}")
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// One ledger entry, as far as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Strictly increasing id; defines the order of entries.
    pub id: i64,
    /// What caused it.
    pub kind: EntryKind,
    /// Signed point delta.
    pub points: i64,
    /// When it was posted.
    pub at: Timestamp,
    /// For positive entries under an expiry policy: when the lot expires.
    pub expires_at: Option<Timestamp>,
    /// For `expire` entries: the id of the lot (positive entry) it expires.
    pub lot_id: Option<i64>,
}

/// The balance: the sum of all entries.
pub fn balance(entries: &[Entry]) -> i64 {
    entries.iter().map(|e| e.points).sum()
}

/// Lifetime earned points: earnings net of refunds.
pub fn lifetime_earned(entries: &[Entry]) -> i64 {
    entries.iter().filter(|e| e.kind.counts_as_earned(e.points)).map(|e| e.points).sum()
}

/// What is left of one positive entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    /// The positive entry's id.
    pub entry_id: i64,
    /// When it expires, if ever.
    pub expires_at: Option<Timestamp>,
    /// Points it started with.
    pub original: i64,
    /// Points neither spent nor expired.
    pub remaining: i64,
}

/// Replays the entries into lots: spending consumes the oldest lot first,
/// an `expire` entry consumes what is left of its own lot.
pub fn lots(entries: &[Entry]) -> Vec<Lot> {
    let mut lots: Vec<Lot> = Vec::new();
    for e in entries {
        if e.points > 0 {
            lots.push(Lot { entry_id: e.id, expires_at: e.expires_at, original: e.points, remaining: e.points });
        } else if e.kind == EntryKind::Expire {
            if let Some(lot) = lots.iter_mut().find(|l| Some(l.entry_id) == e.lot_id) {
                lot.remaining -= (-e.points).min(lot.remaining);
            }
        } else {
            let mut due = -e.points;
            for lot in lots.iter_mut().filter(|l| l.remaining > 0) {
                let take = due.min(lot.remaining);
                lot.remaining -= take;
                due -= take;
                if due == 0 {
                    break;
                }
            }
        }
    }
    lots
}

/// A lot past its expiry date, and the points to expire from it (0 when it
/// was spent in full: the edge still records that it was looked at).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueExpiration {
    /// The lot's entry id.
    pub lot_id: i64,
    /// Points still in it.
    pub points: i64,
}

/// Lots that expire after `now` but within `window_secs` of it, with what
/// is left of each (`remaining` 0 when spent: the edge records that it
/// looked, so the lot is not looked at again): what the store is told is
/// about to expire.
pub fn expiring_within(entries: &[Entry], now: Timestamp, window_secs: i64) -> Vec<Lot> {
    lots(entries).into_iter().filter(|l| l.expires_at.is_some_and(|x| x > now && x.0 - now.0 <= window_secs)).collect()
}

/// Lots whose expiry is at or before `now` that still hold points. Lots
/// already expired by an `expire` entry hold none, so running this twice
/// after posting its result yields nothing: expiry is idempotent.
pub fn due_expirations(entries: &[Entry], now: Timestamp) -> Vec<DueExpiration> {
    lots(entries)
        .into_iter()
        .filter(|l| l.expires_at.is_some_and(|x| x <= now) && l.remaining > 0)
        .map(|l| DueExpiration { lot_id: l.entry_id, points: l.remaining })
        .collect()
}

/// Points that will expire, grouped by UTC day, soonest first. Only lots
/// still holding points and not yet due are listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Expiring {
    /// Points expiring that day.
    pub points: i64,
    /// The first instant that day at which some of them expire.
    pub expires_at: Timestamp,
}

/// The points expiring after `now`, by UTC day, soonest first.
pub fn expiring(entries: &[Entry], now: Timestamp) -> Vec<Expiring> {
    let lots: Vec<(Timestamp, i64)> = lots(entries)
        .into_iter()
        .filter(|l| l.remaining > 0)
        .filter_map(|l| l.expires_at.filter(|x| *x > now).map(|x| (x, l.remaining)))
        .collect();
    by_day(lots)
}

/// The same as [`expiring`] without replaying the whole ledger.
///
/// Spending takes the oldest lot first and expiry takes a lot's whole
/// remainder, so the lots still holding points are always the newest open
/// ones (not closed by the expiry job), all full but the oldest of them.
/// Given the balance and the open lots newest first (`points`, `expires_at`),
/// it is enough to walk back until the balance is covered: the edge reads
/// only those rows, however long the member's history. The property test
/// `no_sequence_breaks_the_ledger` checks this equals the full replay.
pub fn expiring_from_newest(
    balance: i64,
    open_lots_newest_first: &[(i64, Option<Timestamp>)],
    now: Timestamp,
) -> Vec<Expiring> {
    let mut left = balance.max(0);
    let mut lots = Vec::new();
    for (points, expires_at) in open_lots_newest_first {
        if left == 0 {
            break;
        }
        let held = (*points).min(left);
        left -= held;
        if let Some(x) = expires_at.filter(|x| *x > now) {
            lots.push((x, held));
        }
    }
    by_day(lots)
}

fn by_day(mut lots: Vec<(Timestamp, i64)>) -> Vec<Expiring> {
    lots.sort();
    let mut out: Vec<Expiring> = Vec::new();
    for (at, points) in lots {
        match out.last_mut() {
            Some(last) if last.expires_at.date() == at.date() => last.points += points,
            _ => out.push(Expiring { points, expires_at: at }),
        }
    }
    out
}

/// Points to take back for a (partial) refund of an order.
///
/// The order earned `earned` points on `order_amount_minor`; refunds of
/// `refunded_before_minor` were already processed. Reversal is cumulative
/// and proportional: after refunds totalling `r`, exactly
/// `floor(earned × r / amount)` points have been taken back, so any order
/// or split of partial refunds takes back the same total, never more than
/// `earned`, and all of it once the order is fully refunded.
pub fn reversal_due(
    earned: i64,
    order_amount_minor: i64,
    refunded_before_minor: i64,
    refund_minor: i64,
) -> Result<i64, Error> {
    if refund_minor <= 0 {
        return Err(Error::invalid("amount_minor", "must be a positive integer"));
    }
    let after = refunded_before_minor.checked_add(refund_minor).unwrap_or(i64::MAX);
    if after > order_amount_minor {
        return Err(Error::invalid(
            "amount_minor",
            format!(
                "refunds would exceed the order amount ({} left to refund)",
                order_amount_minor - refunded_before_minor
            ),
        ));
    }
    let taken = |r: i64| -> i64 {
        if order_amount_minor <= 0 {
            return 0;
        }
        i64::try_from(i128::from(earned.max(0)) * i128::from(r) / i128::from(order_amount_minor)).unwrap_or(0)
    };
    Ok(taken(after) - taken(refunded_before_minor))
}

/// An in-memory ledger that enforces the invariants: the reference model the
/// property tests drive, and which the D1 schema mirrors with constraints.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    entries: Vec<Entry>,
}

impl Ledger {
    /// The entries, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The current balance.
    pub fn balance(&self) -> i64 {
        balance(&self.entries)
    }

    /// Appends an entry, refusing zero deltas, kinds posted with the wrong
    /// sign, and anything that would take the balance below zero.
    pub fn post(
        &mut self,
        kind: EntryKind,
        points: i64,
        at: Timestamp,
        expires_at: Option<Timestamp>,
        lot_id: Option<i64>,
    ) -> Result<&Entry, Error> {
        let sign_ok = match kind {
            EntryKind::Earn | EntryKind::Import => points > 0,
            EntryKind::Redeem | EntryKind::Expire => points < 0,
            EntryKind::Refund | EntryKind::Adjust => points != 0,
        };
        if !sign_ok {
            return Err(Error::invalid("points", format!("wrong sign for a {} entry", kind.as_str())));
        }
        let balance = self.balance();
        if balance + points < 0 {
            return Err(Error::Refused(Refusal::InsufficientPoints {
                needed: -points,
                shortfall: -(balance + points),
            }));
        }
        let id = self.entries.last().map_or(1, |e| e.id + 1);
        self.entries.push(Entry {
            id,
            kind,
            points,
            at,
            expires_at: if points > 0 { expires_at } else { None },
            lot_id,
        });
        Ok(self.entries.last().expect("just pushed"))
    }

    /// Posts an `expire` entry for every lot due at `now`; returns how many
    /// points expired.
    pub fn expire_due(&mut self, now: Timestamp) -> i64 {
        let due = due_expirations(&self.entries, now);
        let mut total = 0;
        for d in due {
            if self.post(EntryKind::Expire, -d.points, now, None, Some(d.lot_id)).is_ok() {
                total += d.points;
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lots_expiring_within_a_window_are_what_is_left_of_them() {
        let e = |id: i64, kind: EntryKind, points: i64, expires_at: Option<i64>| Entry {
            id,
            kind,
            points,
            at: Timestamp(0),
            expires_at: expires_at.map(Timestamp),
            lot_id: None,
        };
        let entries = [
            e(1, EntryKind::Earn, 100, Some(1_000)),
            e(2, EntryKind::Earn, 50, Some(5_000)),
            e(3, EntryKind::Earn, 70, Some(2_000)),
            e(4, EntryKind::Redeem, -120, None),
        ];
        // The oldest lot is spent whole, 20 of the second are spent.
        assert_eq!(
            expiring_within(&entries, Timestamp(900), 1_200)
                .iter()
                .map(|l| (l.entry_id, l.remaining))
                .collect::<Vec<_>>(),
            [(1, 0), (3, 70)],
            "lot 1 is spent; lot 2 is outside the window"
        );
        assert_eq!(expiring_within(&entries, Timestamp(900), 10_000).iter().map(|l| l.remaining).sum::<i64>(), 100);
        assert!(expiring_within(&entries, Timestamp(2_000), 100).is_empty(), "an expiry at `now` is due, not coming");
    }

    #[test]
    fn history_lines_are_worded_in_each_language_and_adjustments_as_written() {
        let lines = [
            Line::Purchase("1001"),
            Line::Bonus(BonusEvent::Signup),
            Line::Redemption("$5 off"),
            Line::Refund("1001"),
            Line::Expiry,
            Line::Adjustment("Goodwill: late parcel"),
            Line::Returned("PTS-ABCD"),
            Line::AtCheckout("1002"),
        ];
        let en: Vec<_> = lines.iter().map(|l| l.words(Lang::En)).collect();
        let fr: Vec<_> = lines.iter().map(|l| l.words(Lang::Fr)).collect();
        assert_eq!(
            en,
            [
                "Purchase 1001",
                "Signup bonus",
                "Redeemed: $5 off",
                "Refund of order 1001",
                "Points expired",
                "Goodwill: late parcel",
                "Points returned: code PTS-ABCD was not used",
                "Points used at checkout on order 1002"
            ]
        );
        assert_eq!(
            fr,
            [
                "Achat 1001",
                "Bonus d'inscription",
                "Échange\u{a0}: $5 off",
                "Remboursement de la commande 1001",
                "Points expirés",
                "Goodwill: late parcel",
                "Points rendus\u{a0}: le code PTS-ABCD n'a pas été utilisé",
                "Points utilisés au paiement de la commande 1002"
            ]
        );
    }
    use proptest::prelude::*;

    const T0: Timestamp = Timestamp(1_700_000_000);

    #[test]
    fn a_redemption_line_says_what_the_redemption_said() {
        let said = BTreeMap::from([
            ("engraving".to_owned(), AttributeValue::Text("For Sam".into())),
            ("gift_wrap".to_owned(), AttributeValue::Boolean(true)),
            ("quantity".to_owned(), AttributeValue::Number(2)),
        ]);
        // Without names (made before they were kept): the ids, in order.
        assert_eq!(
            Line::RedemptionWith("Mug", &said, &[]).words(Lang::En),
            "Redeemed: Mug (engraving: For Sam · gift_wrap: yes · quantity: 2)"
        );
        assert_eq!(
            Line::RedemptionWith("Mug", &said, &[]).words(Lang::Fr),
            "Échange\u{a0}: Mug (engraving: For Sam · gift_wrap: oui · quantity: 2)"
        );
        // With the reward's names, in the reward's order; one it no longer
        // named keeps its id, after them.
        let defs: Vec<crate::reward::TransactionAttribute> = serde_json::from_value(serde_json::json!([
            { "attribute_id": "quantity", "name": "Quantity", "type": "number" },
            { "attribute_id": "gift_wrap", "name": "Gift wrap", "type": "boolean" },
            { "attribute_id": "size", "name": "Size", "type": "text" },
        ]))
        .unwrap();
        let labels = crate::reward::attribute_labels(&defs, &said);
        assert_eq!(labels, [("quantity".to_owned(), "Quantity".to_owned()), ("gift_wrap".into(), "Gift wrap".into())]);
        assert_eq!(
            Line::RedemptionWith("Mug", &said, &labels).words(Lang::En),
            "Redeemed: Mug (Quantity: 2 · Gift wrap: yes · engraving: For Sam)"
        );
        assert_eq!(
            Line::RedemptionWith("Mug", &said, &labels).words(Lang::Fr),
            "Échange\u{a0}: Mug (Quantity: 2 · Gift wrap: oui · engraving: For Sam)"
        );
    }

    #[test]
    fn points_given_back_count_in_the_balance_but_not_as_earned() {
        let mut l = Ledger::default();
        l.post(EntryKind::Earn, 1_000, T0, None, None).unwrap();
        l.post(EntryKind::Redeem, -500, T0, None, None).unwrap();
        l.post(EntryKind::Refund, 500, T0, None, None).unwrap();
        l.post(EntryKind::Refund, -200, T0, None, None).unwrap();
        assert_eq!(l.balance(), 800);
        assert_eq!(lifetime_earned(l.entries()), 800, "the order refund counts, the points given back do not");
    }

    #[test]
    fn spending_consumes_the_oldest_lot_and_expiry_takes_only_the_rest() {
        let mut l = Ledger::default();
        l.post(EntryKind::Earn, 100, T0, Some(T0.plus_days(10)), None).unwrap();
        l.post(EntryKind::Earn, 50, T0.plus_days(1), Some(T0.plus_days(11)), None).unwrap();
        l.post(EntryKind::Redeem, -120, T0.plus_days(2), None, None).unwrap();
        let lots = lots(l.entries());
        assert_eq!((lots[0].remaining, lots[1].remaining), (0, 30));
        assert_eq!(expiring(l.entries(), T0.plus_days(3)), vec![Expiring { points: 30, expires_at: T0.plus_days(11) }]);
        assert_eq!(l.expire_due(T0.plus_days(10)), 0, "the first lot was spent, nothing to expire");
        assert_eq!(l.expire_due(T0.plus_days(11)), 30);
        assert_eq!(l.balance(), 0);
        assert_eq!(l.expire_due(T0.plus_days(12)), 0, "idempotent");
    }

    #[test]
    fn overdraft_is_refused_with_the_shortfall() {
        let mut l = Ledger::default();
        l.post(EntryKind::Earn, 100, T0, None, None).unwrap();
        let err = l.post(EntryKind::Redeem, -150, T0, None, None).unwrap_err();
        assert_eq!(err, Error::Refused(Refusal::InsufficientPoints { needed: 150, shortfall: 50 }));
        assert_eq!(l.balance(), 100);
    }

    #[test]
    fn wrong_signs_are_refused() {
        let mut l = Ledger::default();
        assert!(l.post(EntryKind::Earn, -1, T0, None, None).is_err());
        assert!(l.post(EntryKind::Adjust, 0, T0, None, None).is_err());
        assert!(l.post(EntryKind::Redeem, 5, T0, None, None).is_err());
    }

    #[test]
    fn partial_refunds_are_proportional() {
        assert_eq!(reversal_due(100, 10_000, 0, 2_500).unwrap(), 25);
        assert_eq!(reversal_due(100, 10_000, 2_500, 7_500).unwrap(), 75);
        assert!(reversal_due(100, 10_000, 2_500, 7_501).is_err());
        assert!(reversal_due(100, 10_000, 0, 0).is_err());
        // 3 x 1/3 of an odd split still totals exactly what was earned.
        let (a, b, c) = (
            reversal_due(10, 300, 0, 100).unwrap(),
            reversal_due(10, 300, 100, 100).unwrap(),
            reversal_due(10, 300, 200, 100).unwrap(),
        );
        assert_eq!((a, b, c, a + b + c), (3, 3, 4, 10));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Earn(i64, Option<u32>),
        Spend(i64),
        Adjust(i64),
        Advance(u32),
        Expire,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1i64..500, proptest::option::of(1u32..30)).prop_map(|(p, d)| Op::Earn(p, d)),
            (1i64..800).prop_map(Op::Spend),
            (-300i64..300).prop_filter("non-zero", |p| *p != 0).prop_map(Op::Adjust),
            (0u32..20).prop_map(Op::Advance),
            Just(Op::Expire),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Invariants 1–3 under any sequence of operations.
        #[test]
        fn no_sequence_breaks_the_ledger(ops in proptest::collection::vec(op(), 0..60)) {
            let mut l = Ledger::default();
            let mut now = T0;
            for op in ops {
                let before = l.balance();
                let spent_before: Vec<(i64, i64)> = lots(l.entries()).iter().map(|x| (x.entry_id, x.original - x.remaining)).collect();
                match op {
                    Op::Earn(p, d) => { l.post(EntryKind::Earn, p, now, d.map(|d| now.plus_days(d)), None).unwrap(); }
                    Op::Spend(p) => {
                        let r = l.post(EntryKind::Redeem, -p, now, None, None);
                        prop_assert_eq!(r.is_ok(), before >= p);
                    }
                    Op::Adjust(p) => { let _ = l.post(EntryKind::Adjust, p, now, None, None); }
                    Op::Advance(d) => now = now.plus_days(d),
                    Op::Expire => {
                        let expired = l.expire_due(now);
                        // Expiry never touches points already consumed by spending.
                        for lot in lots(l.entries()) {
                            if let Some((_, spent)) = spent_before.iter().find(|(id, _)| *id == lot.entry_id) {
                                prop_assert!(lot.original - lot.remaining >= *spent);
                            }
                        }
                        prop_assert!(expired <= before);
                        prop_assert_eq!(l.expire_due(now), 0, "expiry is idempotent");
                    }
                }
                prop_assert!(l.balance() >= 0);
                prop_assert_eq!(l.balance(), l.entries().iter().map(|e| e.points).sum::<i64>());
                // The shortcut the edge uses agrees with the full replay.
                let expired: Vec<i64> = l.entries().iter().filter_map(|e| e.lot_id).collect();
                let open: Vec<(i64, Option<Timestamp>)> = l.entries().iter().rev()
                    .filter(|e| e.points > 0 && !expired.contains(&e.id))
                    .map(|e| (e.points, e.expires_at))
                    .collect();
                prop_assert_eq!(expiring_from_newest(l.balance(), &open, now), expiring(l.entries(), now));
                prop_assert_eq!(lots(l.entries()).iter().map(|x| x.remaining).sum::<i64>(), l.balance());
                prop_assert!(lots(l.entries()).iter().all(|x| x.remaining >= 0 && x.remaining <= x.original));
            }
        }

        /// Invariant 4: any split of refunds, in any order, never takes back
        /// more than was earned, and exactly that once fully refunded.
        #[test]
        fn partial_refunds_never_take_back_more_than_earned(
            earned in 0i64..100_000,
            parts in proptest::collection::vec(1i64..10_000, 1..12),
            full in any::<bool>(),
        ) {
            let total: i64 = parts.iter().sum();
            let amount = if full { total } else { total + 1 };
            let mut refunded = 0;
            let mut taken = 0;
            for p in &parts {
                let due = reversal_due(earned, amount, refunded, *p).unwrap();
                prop_assert!(due >= 0);
                taken += due;
                refunded += p;
                prop_assert!(taken <= earned);
            }
            if full { prop_assert_eq!(taken, earned); }
            prop_assert!(reversal_due(earned, amount, refunded, amount - refunded + 1).is_err());
        }
    }
}
