//! Line items: what each item of an order earns, and what a refund of
//! some of them takes back.
//!
//! An order sent with `items` earns item by item: an excluded item (by
//! sku or category) earns nothing, an item of a category with its own
//! rate earns at that rate, any other at the purchase rate; the tier's
//! and the campaign's multipliers apply to every rate. What the items do
//! not cover (shipping, taxes) earns nothing.
//!
//! For refunds an order is a list of [`Line`]s: one per item, plus the
//! *rest* (the part of the amount no item covers, which for an order sent
//! without items is the whole order and all its points). Each line is
//! reversed on its own, cumulatively and proportionally
//! ([`crate::ledger::reversal_due`]), so refunding an excluded item takes
//! nothing back and refunding everything takes back everything.

use crate::error::{Error, Issue};
use crate::program::{CategoryRate, EarnRules, PurchaseRule};
use crate::wire::{ItemPoints, LineItem, RefundItem};

/// Most items one order may carry.
pub const MAX_ITEMS: usize = 500;

/// Whether `s` is usable as a sku or category: 1 to 128 characters,
/// none of them a control character.
pub fn is_label(s: &str) -> bool {
    !s.trim().is_empty() && s.chars().count() <= 128 && !s.chars().any(char::is_control)
}

/// Categories compare without regard to case ("Gift Cards" is "gift cards").
fn same_category(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// The rate `item` earns at, or `None` when the program excludes it.
pub fn rate(earn: &EarnRules, item: &LineItem) -> Option<PurchaseRule> {
    let category = item.category.as_deref();
    if earn.exclusions.skus.contains(&item.sku)
        || category.is_some_and(|c| earn.exclusions.categories.iter().any(|x| same_category(x, c)))
    {
        return None;
    }
    let own = category.and_then(|c| earn.category_rates.iter().find(|r| same_category(&r.category, c)));
    Some(own.map_or(earn.purchase, CategoryRate::rate))
}

/// Checks a purchase's items against its amount: at most [`MAX_ITEMS`],
/// each sku named once, quantities of at least 1, amounts of at least 0
/// summing to no more than the order's `amount_minor`. Every problem at
/// once, each with its path.
pub fn check(items: &[LineItem], amount_minor: i64) -> Result<(), Error> {
    let mut issues = Vec::new();
    if items.is_empty() || items.len() > MAX_ITEMS {
        issues.push(Issue::new("items", format!("must hold 1 to {MAX_ITEMS} items, or be absent")));
    }
    let mut sum: i128 = 0;
    for (i, item) in items.iter().enumerate() {
        if !is_label(&item.sku) {
            issues.push(Issue::new(format!("items[{i}].sku"), "must be 1 to 128 characters, no control characters"));
        } else if items[..i].iter().any(|o| o.sku == item.sku) {
            issues.push(Issue::new(format!("items[{i}].sku"), "each sku may be named once; add up its lines"));
        }
        if item.category.as_deref().is_some_and(|c| !is_label(c)) {
            issues
                .push(Issue::new(format!("items[{i}].category"), "must be 1 to 128 characters, no control characters"));
        }
        if item.quantity == 0 {
            issues.push(Issue::new(format!("items[{i}].quantity"), "must be at least 1"));
        }
        if item.amount_minor < 0 {
            issues.push(Issue::new(format!("items[{i}].amount_minor"), "must be 0 or more (the line's total)"));
        }
        sum += i128::from(item.amount_minor.max(0));
    }
    if sum > i128::from(amount_minor) {
        issues.push(Issue::new("items", format!("their amounts add up to {sum}, more than the order's amount_minor")));
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(issues))
    }
}

/// What each of the (checked) items earns at `multiplier_percent` (the
/// tier's and campaign's, compounded): each line rounded down on its own,
/// so an order never earns more than its items at their rates.
pub fn earn(earn: &EarnRules, items: &[LineItem], multiplier_percent: u32) -> Vec<ItemPoints> {
    items
        .iter()
        .map(|item| {
            let rate = rate(earn, item);
            ItemPoints {
                sku: item.sku.clone(),
                points: rate.map_or(0, |r| crate::earn::purchase_points(&r, item.amount_minor, multiplier_percent)),
                excluded: rate.is_none(),
            }
        })
        .collect()
}

/// One line of an order as refunds see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The item's sku; `None` for the rest of the order.
    pub sku: Option<String>,
    /// What the line cost.
    pub amount_minor: i64,
    /// What it earned.
    pub points: i64,
    /// What refunds took from it so far.
    pub refunded_minor: i64,
}

impl Line {
    fn left(&self) -> i64 {
        self.amount_minor - self.refunded_minor
    }
}

/// A refund's share of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Part {
    /// Refunded from the line.
    pub amount_minor: i64,
    /// Points this takes back from what the line earned.
    pub points_due: i64,
}

/// Splits a refund of `amount_minor` over an order's `lines` (one per
/// line, in order) and says what each part takes back.
///
/// With `named` items, each takes from its sku's line (at most what is
/// left of it) and the rest of the amount from the line without a sku
/// (shipping, taxes). Without, the amount is shared by every line in
/// proportion to what is left of it (largest remainders get the odd
/// minor units, the first line on a tie), so a refund of everything
/// left refunds every line in full.
pub fn refund(lines: &[Line], amount_minor: i64, named: &[RefundItem]) -> Result<Vec<Part>, Error> {
    if amount_minor <= 0 {
        return Err(Error::invalid("amount_minor", "must be a positive integer"));
    }
    let left: i128 = lines.iter().map(|l| i128::from(l.left())).sum();
    if i128::from(amount_minor) > left {
        return Err(Error::invalid(
            "amount_minor",
            format!("refunds would exceed the order amount ({left} left to refund)"),
        ));
    }
    let amounts = if named.is_empty() { share(lines, amount_minor) } else { by_item(lines, amount_minor, named)? };
    lines
        .iter()
        .zip(amounts)
        .map(|(line, a)| {
            let points_due = if a == 0 {
                0
            } else {
                crate::ledger::reversal_due(line.points, line.amount_minor, line.refunded_minor, a)?
            };
            Ok(Part { amount_minor: a, points_due })
        })
        .collect()
}

fn share(lines: &[Line], amount_minor: i64) -> Vec<i64> {
    let left: i128 = lines.iter().map(|l| i128::from(l.left())).sum();
    let exact: Vec<(i128, i128)> = lines
        .iter()
        .map(|l| {
            let n = i128::from(amount_minor) * i128::from(l.left());
            (n / left, n % left)
        })
        .collect();
    let mut out: Vec<i64> = exact.iter().map(|(q, _)| *q as i64).collect();
    let mut odd = i128::from(amount_minor) - exact.iter().map(|(q, _)| q).sum::<i128>();
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    for i in order {
        if odd == 0 {
            break;
        }
        if exact[i].1 > 0 {
            out[i] += 1;
            odd -= 1;
        }
    }
    out
}

fn by_item(lines: &[Line], amount_minor: i64, named: &[RefundItem]) -> Result<Vec<i64>, Error> {
    let mut out = vec![0i64; lines.len()];
    let mut issues = Vec::new();
    let mut sum: i128 = 0;
    for (i, item) in named.iter().enumerate() {
        let Some(at) = lines.iter().position(|l| l.sku.as_deref() == Some(item.sku.as_str())) else {
            issues.push(Issue::new(format!("items[{i}].sku"), "is not an item of this order"));
            continue;
        };
        if named[..i].iter().any(|o| o.sku == item.sku) {
            issues.push(Issue::new(format!("items[{i}].sku"), "each sku may be named once"));
            continue;
        }
        if item.amount_minor <= 0 || item.amount_minor > lines[at].left() {
            issues.push(Issue::new(
                format!("items[{i}].amount_minor"),
                format!("must be 1 to {} (what is left of the item to refund)", lines[at].left()),
            ));
            continue;
        }
        out[at] = item.amount_minor;
        sum += i128::from(item.amount_minor);
    }
    if issues.is_empty() {
        let rest = i128::from(amount_minor) - sum;
        let rest_line = lines.iter().position(|l| l.sku.is_none());
        match rest_line {
            _ if rest < 0 => issues.push(Issue::new("items", "their amounts add up to more than amount_minor")),
            _ if rest == 0 => {}
            Some(r) if rest <= i128::from(lines[r].left()) => out[r] = rest as i64,
            _ => issues.push(Issue::new(
                "amount_minor",
                format!("{rest} beyond the items named is more than is left of the order outside its items"),
            )),
        }
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(issues))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Exclusions;
    use proptest::prelude::*;

    fn rules() -> EarnRules {
        EarnRules {
            purchase: PurchaseRule { points: 1, per_amount_minor: 100 },
            bonuses: Vec::new(),
            category_rates: vec![CategoryRate { category: "Shoes".into(), points: 5, per_amount_minor: 100 }],
            exclusions: Exclusions { skus: vec!["GIFT-50".into()], categories: vec!["gift cards".into()] },
        }
    }

    fn item(sku: &str, category: Option<&str>, amount_minor: i64) -> LineItem {
        LineItem { sku: sku.into(), category: category.map(Into::into), quantity: 1, amount_minor }
    }

    #[test]
    fn each_item_earns_at_its_rate_and_excluded_items_earn_nothing() {
        let items = [
            item("TEE", None, 2_550),
            item("BOOT", Some("shoes"), 10_000),
            item("GIFT-50", None, 5_000),
            item("CARD", Some("Gift Cards"), 2_500),
        ];
        check(&items, 25_000).unwrap();
        let e = earn(&rules(), &items, 150);
        let points: Vec<(i64, bool)> = e.iter().map(|p| (p.points, p.excluded)).collect();
        assert_eq!(points, vec![(38, false), (750, false), (0, true), (0, true)]);
        let path = |e: Error| match e {
            Error::Invalid(issues) => issues[0].path.clone(),
            other => panic!("{other}"),
        };
        assert_eq!(path(check(&items, 20_049).unwrap_err()), "items");
        let twice = [item("A", None, 1), item("A", None, 1)];
        assert_eq!(path(check(&twice, 10).unwrap_err()), "items[1].sku");
    }

    #[test]
    fn refunding_an_excluded_item_takes_nothing_back() {
        let lines = [
            Line { sku: Some("BOOT".into()), amount_minor: 10_000, points: 500, refunded_minor: 0 },
            Line { sku: Some("GIFT-50".into()), amount_minor: 5_000, points: 0, refunded_minor: 0 },
            Line { sku: None, amount_minor: 1_000, points: 0, refunded_minor: 0 },
        ];
        let named = |sku: &str, a: i64| vec![RefundItem { sku: sku.into(), amount_minor: a }];
        let p = refund(&lines, 5_000, &named("GIFT-50", 5_000)).unwrap();
        assert_eq!(p.iter().map(|p| p.points_due).sum::<i64>(), 0);
        let p = refund(&lines, 5_500, &named("BOOT", 5_000)).unwrap();
        assert_eq!(
            p,
            vec![
                Part { amount_minor: 5_000, points_due: 250 },
                Part::default(),
                Part { amount_minor: 500, points_due: 0 }
            ]
        );
        assert!(refund(&lines, 2_000, &named("GIFT-50", 500)).is_err(), "1,500 of shipping is not there");
        assert!(refund(&lines, 100, &named("NOPE", 100)).is_err());
        let p = refund(&lines, 16_000, &[]).unwrap();
        assert_eq!(p.iter().map(|p| p.amount_minor).collect::<Vec<_>>(), vec![10_000, 5_000, 1_000]);
        assert_eq!(p[0].points_due, 500);
        assert!(refund(&lines, 16_001, &[]).is_err());
    }

    fn arb_items() -> impl Strategy<Value = Vec<LineItem>> {
        let cat = prop_oneof![Just(None), Just(Some("shoes")), Just(Some("GIFT CARDS")), Just(Some("hats"))];
        proptest::collection::vec((0i64..50_000, cat), 1..8).prop_map(|v| {
            // The first item is sometimes the excluded sku.
            v.into_iter()
                .enumerate()
                .map(|(i, (a, c))| {
                    item(&if i == 0 && a % 3 == 0 { "GIFT-50".into() } else { format!("SKU-{i}") }, c, a)
                })
                .collect()
        })
    }

    proptest! {
        /// An order never earns more than its items at their rates (the
        /// exact, unrounded value), and an excluded item earns nothing.
        #[test]
        fn an_order_never_earns_more_than_its_items_at_their_rates(items in arb_items(), m in 100u32..=1_000) {
            let r = rules();
            let e = earn(&r, &items, m);
            let mut exact_num = 0i128; // over the common denominator 100 × 100 × 100
            for (item, p) in items.iter().zip(&e) {
                match rate(&r, item) {
                    None => prop_assert_eq!(p.points, 0),
                    Some(rate) => {
                        let num = i128::from(item.amount_minor) * i128::from(rate.points) * i128::from(m);
                        let den = i128::from(rate.per_amount_minor) * 100;
                        prop_assert!(i128::from(p.points) * den <= num);
                        exact_num += num * 10_000 / den;
                    }
                }
            }
            let total: i64 = e.iter().map(|p| p.points).sum();
            prop_assert!(i128::from(total) * 10_000 <= exact_num);
        }

        /// Whatever the partial refunds (by item or not, in any order), an
        /// order's points are never taken back past what it earned, and a
        /// full refund always brings its net points to zero.
        #[test]
        fn a_full_refund_always_brings_the_net_points_to_zero(
            items in arb_items(),
            rest in 0i64..5_000,
            m in 100u32..=1_000,
            cuts in proptest::collection::vec((0u8..3, 1u64..u64::MAX), 0..6),
        ) {
            let e = earn(&rules(), &items, m);
            let mut lines: Vec<Line> = items
                .iter()
                .zip(&e)
                .map(|(i, p)| Line { sku: Some(i.sku.clone()), amount_minor: i.amount_minor, points: p.points, refunded_minor: 0 })
                .collect();
            lines.push(Line { sku: None, amount_minor: rest, points: 0, refunded_minor: 0 });
            let earned: i64 = lines.iter().map(|l| l.points).sum();
            let mut taken = 0i64;
            fn apply(lines: &mut [Line], parts: Vec<Part>) -> i64 {
                lines.iter_mut().zip(parts).map(|(l, p)| {
                    l.refunded_minor += p.amount_minor;
                    p.points_due
                }).sum()
            }
            for (kind, r) in cuts {
                let left: i64 = lines.iter().map(Line::left).sum();
                if left == 0 {
                    break;
                }
                if kind == 0 {
                    // Part of one item, by name, and part of the rest.
                    let Some(l) = lines.iter().filter(|l| l.sku.is_some() && l.left() > 0).nth((r % 8) as usize) else { continue };
                    let a = 1 + (r % l.left() as u64) as i64;
                    let named = vec![RefundItem { sku: l.sku.clone().unwrap(), amount_minor: a }];
                    let extra = lines.last().unwrap().left().min((r >> 8) as i64 % 100);
                    let parts = refund(&lines, a + extra, &named).unwrap();
                    taken += apply(&mut lines, parts);
                } else {
                    let a = 1 + (r % left as u64) as i64;
                    let parts = refund(&lines, a, &[]).unwrap();
                    prop_assert_eq!(parts.iter().map(|p| p.amount_minor).sum::<i64>(), a);
                    taken += apply(&mut lines, parts);
                }
                prop_assert!(lines.iter().all(|l| l.refunded_minor <= l.amount_minor));
            }
            prop_assert!(taken <= earned);
            let left: i64 = lines.iter().map(Line::left).sum();
            if left > 0 {
                let parts = refund(&lines, left, &[]).unwrap();
                taken += apply(&mut lines, parts);
            }
            prop_assert_eq!(taken, earned);
        }
    }
}
