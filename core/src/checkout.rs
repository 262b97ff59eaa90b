//! Paying with points at checkout (shared/API.md, "Points at checkout").
//!
//! The store's checkout asks for a single-use code worth some points for one
//! order and one customer; the points are debited when the code is made and
//! come back once (a positive `refund` entry) if the code is not used
//! within [`CODE_TTL_SECS`]. What the points are worth, and which amounts
//! may be asked for, is decided here; the edge's D1 batch guards the
//! balance and the once-only return.

use serde::{Deserialize, Serialize};

use crate::coupon::{self, Discount};
use crate::error::Error;
use crate::numbers::MAX_SAFE;
use crate::program::Program;
use crate::reward::RewardKind;

/// How long a checkout code may be used: an hour, the time a shopper
/// takes to finish an order; after it the points come back.
pub const CODE_TTL_SECS: i64 = 3_600;

/// The prefix of checkout codes: a cashier or a support agent tells them
/// from reward coupons at a glance.
pub const PREFIX: &str = "PTS";

/// What the program lets a shopper pay with points: each `step` points
/// take `step_amount_minor` off. Shown by `GET /v1/program` so a
/// checkout can offer it ("Use 500 points for $5.00 off").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PayWithPoints {
    /// Points must be asked for in multiples of this.
    pub step: i64,
    /// What one step is worth, in minor units of `currency`.
    pub step_amount_minor: i64,
    /// The program's currency.
    pub currency: String,
}

impl PayWithPoints {
    /// What the program offers, if it sets what points are worth.
    /// The step is `checkout_points_step`, else the points of
    /// `points_value` (100 points = $1.00: a step of 100).
    pub fn of(program: &Program) -> Option<PayWithPoints> {
        let value = program.points_value.as_ref()?;
        let step = program.checkout_points_step.unwrap_or(value.points);
        Some(PayWithPoints {
            step,
            step_amount_minor: worth(step, value.points, value.amount_minor),
            currency: program.currency.clone(),
        })
    }

    /// What `points` take off, in minor units, or why they cannot be
    /// asked for: not positive, not a multiple of the step, or worth less
    /// than a minor unit (400 on the wire).
    pub fn quote(&self, points: i64, program: &Program) -> Result<i64, Error> {
        if points <= 0 || points > MAX_SAFE {
            return Err(Error::invalid("points", "must be a positive number of points"));
        }
        if points % self.step != 0 {
            return Err(Error::invalid("points", format!("must be a multiple of {}", self.step)));
        }
        let value = program
            .points_value
            .as_ref()
            .ok_or_else(|| Error::invalid("points", "the program sets no points_value"))?;
        let amount = worth(points, value.points, value.amount_minor);
        if amount <= 0 {
            return Err(Error::invalid("points", "are worth less than one minor unit"));
        }
        Ok(amount)
    }

    /// The discount a checkout code worth `amount_minor` gives: that much
    /// off, in the program's currency.
    pub fn discount(&self, amount_minor: i64) -> Discount {
        Discount {
            kind: RewardKind::FixedAmountDiscount,
            amount_minor: Some(amount_minor),
            currency: Some(self.currency.clone()),
            percent: None,
            sku: None,
        }
    }
}

/// `points` at `per_points` points = `amount_minor`, rounded down to the
/// minor unit (in the store's favour, at most one unit). Computed in i128:
/// both factors are within ±(2^53−1), so their product cannot overflow.
fn worth(points: i64, per_points: i64, amount_minor: i64) -> i64 {
    let v = i128::from(points) * i128::from(amount_minor) / i128::from(per_points.max(1));
    i64::try_from(v.min(i128::from(MAX_SAFE))).unwrap_or(MAX_SAFE)
}

/// A checkout code, made from the CSPRNG the caller passes.
pub fn code(fill: &mut dyn FnMut(&mut [u8])) -> String {
    coupon::generate(PREFIX, fill)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::PointsValue;
    use proptest::prelude::*;

    fn program(points: i64, amount_minor: i64, step: Option<i64>) -> Program {
        let mut p: Program = serde_json::from_str(
            r#"{"name":"Acme","currency":"USD","earn":{"purchase":{"points":1,"per_amount_minor":100}}}"#,
        )
        .unwrap();
        p.points_value = Some(PointsValue { points, amount_minor });
        p.checkout_points_step = step;
        p
    }

    #[test]
    fn five_hundred_points_are_five_dollars() {
        let p = program(100, 100, Some(500));
        let offer = PayWithPoints::of(&p).unwrap();
        assert_eq!(offer, PayWithPoints { step: 500, step_amount_minor: 500, currency: "USD".into() });
        let amount = offer.quote(1_000, &p).unwrap();
        assert_eq!(amount, 1_000);
        let d = offer.discount(amount);
        assert_eq!((d.amount_minor, d.currency.as_deref()), (Some(1_000), Some("USD")));
        assert_eq!(coupon::offer_in_words(&d, crate::Lang::En), "$10.00 off");
    }

    #[test]
    fn only_positive_multiples_of_the_step() {
        let p = program(100, 100, Some(500));
        let offer = PayWithPoints::of(&p).unwrap();
        for bad in [0, -500, 250, 501] {
            let e = offer.quote(bad, &p).unwrap_err();
            assert!(e.to_string().contains("points"), "{bad}: {e}");
        }
        assert!(offer.quote(499, &p).unwrap_err().to_string().contains("multiple of 500"));
    }

    #[test]
    fn no_points_value_no_paying_with_points() {
        let mut p = program(100, 100, None);
        p.points_value = None;
        assert_eq!(PayWithPoints::of(&p), None);
    }

    #[test]
    fn the_step_defaults_to_the_points_of_the_value() {
        let p = program(200, 150, None);
        assert_eq!(PayWithPoints::of(&p).unwrap().step, 200);
        assert_eq!(PayWithPoints::of(&p).unwrap().step_amount_minor, 150);
    }

    proptest! {
        /// A quote never gives more than the points are worth, and never
        /// a whole minor unit less.
        #[test]
        fn quotes_round_down_by_less_than_a_unit(
            per in 1i64..1_000_000, amount in 1i64..1_000_000, step in 1i64..1_000_000, n in 1i64..1_000,
        ) {
            let p = program(per, amount, Some(step));
            let offer = PayWithPoints::of(&p).unwrap();
            let points = step * n;
            match offer.quote(points, &p) {
                Ok(minor) => {
                    let got = i128::from(minor) * i128::from(per);
                    let exact = i128::from(points) * i128::from(amount);
                    prop_assert!(got <= exact && exact - got < i128::from(per));
                }
                Err(e) => prop_assert!(i128::from(points) * i128::from(amount) < i128::from(per), "{}", e),
            }
        }
    }
}
