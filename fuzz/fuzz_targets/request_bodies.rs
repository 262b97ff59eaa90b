//! Every request body type of the API, as the Worker parses it (strict
//! serde into `core::wire`): any bytes are a value or an error, never a
//! panic; a value writes itself back as JSON that parses to the same value;
//! and no integer outside ±(2^53 − 1) gets through. The first byte picks
//! the type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty_core::numbers::MAX_SAFE;
use loyalty_core::wire::{
    AdjustmentRequest, CouponPoolRequest, CouponRedeemRequest, EventRequest, MemberPatch, RedeemRequest, RefundRequest,
    ValidateRequest,
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
    match which % 8 {
        0 => {
            round_trip::<RedeemRequest>(body);
        }
        1 => {
            if let Some(a) = round_trip::<AdjustmentRequest>(body) {
                safe(a.points);
            }
        }
        2 => {
            if let Some(amount) = round_trip::<EventRequest>(body).and_then(|e| e.amount_minor) {
                safe(amount);
            }
        }
        3 => {
            if let Some(r) = round_trip::<RefundRequest>(body) {
                safe(r.amount_minor);
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
        _ => {
            round_trip::<MemberPatch>(body);
        }
    }
});
