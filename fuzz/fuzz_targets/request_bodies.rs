//! Every request body type of the API, as the Worker parses it (strict
//! serde into `core::wire`): any bytes are a value or an error, never a
//! panic; a value writes itself back as JSON that parses to the same value;
//! and no integer outside ±(2^53 − 1) gets through; an import's rows are
//! each accepted or reported; a purchase's items earn within bounds. The first byte picks the type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::numbers::MAX_SAFE;
use loyalty_core::wire::{
    AdjustmentRequest, CouponPoolRequest, CouponRedeemRequest, EventRequest, ImportRequest, MemberPatch, RedeemRequest,
    RefundRequest, ValidateRequest,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(body: &[u8]) -> Option<T> {
    let value: T = serde_json::from_slice(body).ok()?;
    let again: T =
        serde_json::from_slice(&serde_json::to_vec(&value).expect("serialises")).expect("its own JSON parses");
    assert_eq!(again, value);
    Some(value)
}

fn safe(n: i64) {
    assert!((-MAX_SAFE..=MAX_SAFE).contains(&n), "{n} got through");
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 9 {
        0 => {
            round_trip::<RedeemRequest>(body);
        }
        1 => {
            if let Some(a) = round_trip::<AdjustmentRequest>(body) {
                safe(a.points);
            }
        }
        // A purchase's items: within range, and items core accepts earn
        // no more than their amounts at the largest rate allowed.
        2 => {
            if let Some(e) = round_trip::<EventRequest>(body) {
                for n in e.amount_minor.into_iter().chain(e.items.iter().flatten().map(|i| i.amount_minor)) {
                    safe(n);
                }
                if let (Some(amount), Some(items)) = (e.amount_minor, e.items.as_deref()) {
                    if loyalty_core::items::check(items, amount).is_ok() {
                        let rules = loyalty_core::program::EarnRules {
                            purchase: loyalty_core::program::PurchaseRule { points: 1, per_amount_minor: 100 },
                            bonuses: Vec::new(),
                            category_rates: Vec::new(),
                            exclusions: Default::default(),
                        };
                        let points: i64 =
                            loyalty_core::items::earn(&rules, items, 1_000).iter().map(|p| p.points).sum();
                        assert!((0..=amount / 10 + 1).contains(&points), "{points} points for {amount}");
                    }
                }
            }
        }
        3 => {
            if let Some(r) = round_trip::<RefundRequest>(body) {
                safe(r.amount_minor);
                for i in &r.items {
                    safe(i.amount_minor);
                }
            }
        }
        4 => {
            if let Some(amount) = round_trip::<ValidateRequest>(body).and_then(|v| v.order_amount_minor) {
                safe(amount);
            }
        }
        5 => {
            round_trip::<CouponRedeemRequest>(body);
        }
        6 => {
            round_trip::<CouponPoolRequest>(body);
        }
        7 => {
            round_trip::<MemberPatch>(body);
        }
        // An import: each row is read on its own; a row core accepts has a
        // valid id, figures within range and lifetime points at least its
        // points, and every row is either accepted or reported, once.
        _ => {
            if let Ok(req) = serde_json::from_slice::<ImportRequest>(body) {
                let n = req.members.len();
                let today = loyalty_core::timestamp::parse_date("2026-11-27").expect("a date");
                let (good, issues) = loyalty_core::import::rows(req.members, today);
                assert_eq!(good.len() + issues.len(), n);
                for (_, i) in good {
                    assert!(loyalty_core::ids::is_valid_id(&i.customer_id));
                    safe(i.points);
                    safe(i.lifetime_earned);
                    assert!(i.points >= 0 && i.lifetime_earned >= i.points);
                }
            }
        }
    }
});
