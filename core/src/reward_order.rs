//! Reward orders (seed 003, shared/API.md "Reward orders"): a store sends
//! rewards without points (a renewal, a thank-you) as an order with a PO
//! number and line items, one or many customers, each delivered by a claim
//! link or by webhook, with a status per line and for the order.
//!
//! Here: the request and its checks, the statuses and how a line's make
//! the order's ([`order_status`], mirrored by the schema's trigger), why a
//! line fails before anything is issued ([`sendable`]), and the claim
//! link's token ([`claim_token`], [`is_claim_token`]).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Issue};
use crate::ids::check_id;
use crate::reward::Reward;

/// Most line items in one order.
pub const MAX_LINES: usize = 50;
/// Most rewards one line sends.
pub const MAX_QUANTITY: u32 = 20;
/// Most rewards one order sends, over its lines: one D1 batch writes them
/// all with their codes, and a batch is kept well inside D1's limits.
pub const MAX_UNITS: u32 = 100;

/// How a line's rewards reach the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    /// A claim link (`claim_url`): a page served by the Worker shows the
    /// personalization and, once its holder claims it, the codes.
    Link,
    /// The store's webhook endpoint gets the codes in the line's
    /// `reward_order.status` event and delivers them itself.
    Webhook,
}

impl DeliveryKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Link => "link",
            DeliveryKind::Webhook => "webhook",
        }
    }
}

/// A line's delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// How.
    #[serde(rename = "type")]
    pub kind: DeliveryKind,
    /// Where the store will send the link, kept for its records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Words shown with the reward on its claim page (plain text).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Personalization {
    /// Who it is for ("Sam").
    #[serde(default)]
    pub to: String,
    /// Who sends it ("The Acme team").
    #[serde(default)]
    pub from_name: String,
    /// A message (at most 1,000 characters; line breaks kept).
    #[serde(default)]
    pub message: String,
}

/// One line of a `POST /v1/reward-orders` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LineItemRequest {
    /// The reward sent.
    pub reward_id: String,
    /// Who gets it.
    pub customer_id: String,
    /// How many (1 to [`MAX_QUANTITY`]); each is a code of its own.
    #[serde(default = "one")]
    pub quantity: u32,
    /// How it reaches them.
    pub delivery: Delivery,
    /// Words for the claim page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personalization: Option<Personalization>,
}

fn one() -> u32 {
    1
}

/// `POST /v1/reward-orders` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RewardOrderRequest {
    /// The store's purchase order number: an order is made once per PO
    /// number (the same number again answers the first order).
    pub po_number: String,
    /// 1 to [`MAX_LINES`] lines, at most [`MAX_UNITS`] rewards in all.
    pub line_items: Vec<LineItemRequest>,
}

/// Where a line, or an order, stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Accepted; its codes are not issued yet.
    Pending,
    /// Its codes are issued and waiting for the customer (the link not
    /// claimed yet, the webhook not yet taken by the store).
    Fulfilled,
    /// The customer has them: the link was claimed, or the store's
    /// endpoint took the webhook.
    Delivered,
    /// Nothing was sent; `reason` says why.
    Failed,
}

impl OrderStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<OrderStatus> {
        [OrderStatus::Pending, OrderStatus::Fulfilled, OrderStatus::Delivered, OrderStatus::Failed]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// The order's status from its lines' (the schema's `reward_order_lines_roll_up`
/// trigger computes the same): failed when every line failed; otherwise
/// the least advanced of the lines that did not fail.
pub fn order_status(lines: &[OrderStatus]) -> OrderStatus {
    let live: Vec<OrderStatus> = lines.iter().copied().filter(|s| *s != OrderStatus::Failed).collect();
    if live.is_empty() {
        OrderStatus::Failed
    } else if live.contains(&OrderStatus::Pending) {
        OrderStatus::Pending
    } else if live.contains(&OrderStatus::Fulfilled) {
        OrderStatus::Fulfilled
    } else {
        OrderStatus::Delivered
    }
}

/// Checks a request whole, naming every problem by its path.
pub fn check(req: &RewardOrderRequest) -> Result<(), Error> {
    let mut issues = Vec::new();
    let mut id = |path: String, value: &str| {
        if let Err(Error::Invalid(found)) = check_id(&path, value) {
            issues.extend(found);
        }
    };
    id("po_number".into(), &req.po_number);
    for (i, l) in req.line_items.iter().enumerate() {
        id(format!("line_items[{i}].reward_id"), &l.reward_id);
        id(format!("line_items[{i}].customer_id"), &l.customer_id);
    }
    let mut bad = |path: String, message: &str| issues.push(Issue::new(path, message));
    if req.line_items.is_empty() || req.line_items.len() > MAX_LINES {
        bad("line_items".into(), &format!("must hold 1 to {MAX_LINES} lines"));
    }
    let mut units = 0u32;
    for (i, l) in req.line_items.iter().enumerate() {
        if l.quantity == 0 || l.quantity > MAX_QUANTITY {
            bad(format!("line_items[{i}].quantity"), &format!("must be 1 to {MAX_QUANTITY}"));
        }
        units = units.saturating_add(l.quantity);
        if let Some(e) = &l.delivery.email {
            if crate::import::check_email(e).is_some() {
                bad(format!("line_items[{i}].delivery.email"), "must be an e-mail address");
            }
        }
        if let Some(p) = &l.personalization {
            for (field, text, max) in
                [("to", &p.to, 100), ("from_name", &p.from_name, 100), ("message", &p.message, 1000)]
            {
                let line_breaks_ok = field == "message";
                if text.chars().count() > max {
                    bad(
                        format!("line_items[{i}].personalization.{field}"),
                        &format!("must be at most {max} characters"),
                    );
                } else if text.chars().any(|c| c.is_control() && !(line_breaks_ok && c == '\n')) {
                    bad(format!("line_items[{i}].personalization.{field}"), "must not hold control characters");
                }
            }
        }
    }
    if units > MAX_UNITS {
        bad("line_items".into(), &format!("must send at most {MAX_UNITS} rewards in all"));
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(issues))
    }
}

/// The reward a line sends, or why it cannot be sent at all, before
/// anything is issued: the reward (as stored, if it is) is missing or
/// switched off, or the line is delivered by webhook and no endpoint
/// (`hooked`) receives its events.
pub fn sendable<'a>(line: &LineItemRequest, reward: Option<&'a Reward>, hooked: bool) -> Result<&'a Reward, String> {
    match reward {
        None => Err(format!("no reward {}", line.reward_id)),
        Some(r) if !r.active => Err(format!("the reward {} is not active", line.reward_id)),
        Some(_) if line.delivery.kind == DeliveryKind::Webhook && !hooked => Err(NO_ENDPOINT.to_owned()),
        Some(r) => Ok(r),
    }
}

/// Why a line failed when its reward's pool could not give every code.
pub const POOL_RAN_OUT: &str = "the reward's pool of codes ran out";

/// Why a webhook line failed when no endpoint takes its events.
pub const NO_ENDPOINT: &str = "no active webhook endpoint receives reward_order.status";

/// A claim link's token: 32 bytes from the CSPRNG the caller passes (256
/// bits, past any guessing), as 64 lowercase hex digits.
pub fn claim_token(fill: &mut dyn FnMut(&mut [u8])) -> String {
    let mut bytes = [0u8; 32];
    fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` has a claim token's form (checked before any lookup).
pub fn is_claim_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(quantity: u32) -> LineItemRequest {
        LineItemRequest {
            reward_id: "5_OFF".into(),
            customer_id: "c-1".into(),
            quantity,
            delivery: Delivery { kind: DeliveryKind::Link, email: Some("sam@example.com".into()) },
            personalization: Some(Personalization {
                to: "Sam".into(),
                from_name: "Acme".into(),
                message: "Thanks for renewing!\nSee you soon.".into(),
            }),
        }
    }

    #[test]
    fn a_good_order_passes_and_every_problem_is_named() {
        let ok = RewardOrderRequest { po_number: "PO-1".into(), line_items: vec![line(2), line(1)] };
        assert!(check(&ok).is_ok());
        let mut bad = ok.clone();
        bad.po_number = "PO 1".into();
        bad.line_items[0].quantity = 0;
        bad.line_items[1].delivery.email = Some("nope".into());
        bad.line_items[1].personalization.as_mut().unwrap().to = "a\u{7}".into();
        let Err(Error::Invalid(issues)) = check(&bad) else { panic!("must fail") };
        let paths: Vec<_> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            ["po_number", "line_items[0].quantity", "line_items[1].delivery.email", "line_items[1].personalization.to"]
        );
        let empty = RewardOrderRequest { po_number: "PO-2".into(), line_items: vec![] };
        assert!(check(&empty).is_err());
        let many = RewardOrderRequest { po_number: "PO-3".into(), line_items: vec![line(20); 6] };
        assert!(check(&many).unwrap_err().to_string().contains("at most 100 rewards"));
    }

    #[test]
    fn the_order_stands_where_its_least_advanced_live_line_stands() {
        use OrderStatus::*;
        assert_eq!(order_status(&[Failed, Failed]), Failed);
        assert_eq!(order_status(&[Failed, Fulfilled, Delivered]), Fulfilled);
        assert_eq!(order_status(&[Delivered, Failed]), Delivered);
        assert_eq!(order_status(&[Pending, Delivered]), Pending);
    }

    #[test]
    fn a_line_is_sent_only_with_an_active_reward_and_a_way_to_deliver_it() {
        let mut r =
            Reward::from_json("5_OFF", br#"{"name":"$5 off","kind":"free_shipping","points_cost":500}"#).unwrap();
        let mut l = line(1);
        assert!(sendable(&l, Some(&r), false).is_ok(), "a link needs no endpoint");
        assert_eq!(sendable(&l, None, true).unwrap_err(), "no reward 5_OFF");
        l.delivery.kind = DeliveryKind::Webhook;
        assert_eq!(sendable(&l, Some(&r), false).unwrap_err(), NO_ENDPOINT);
        assert!(sendable(&l, Some(&r), true).is_ok());
        r.active = false;
        assert_eq!(sendable(&l, Some(&r), true).unwrap_err(), "the reward 5_OFF is not active");
    }

    #[test]
    fn claim_tokens_are_256_bits_of_hex() {
        let mut n = 0u8;
        let t = claim_token(&mut |b: &mut [u8]| {
            for x in b {
                n = n.wrapping_add(37);
                *x = n;
            }
        });
        assert!(is_claim_token(&t), "{t}");
        assert!(!is_claim_token(&t.to_uppercase()));
        assert!(!is_claim_token(&t[1..]));
        assert!(!is_claim_token("../../etc/passwd"));
    }

    proptest! {
        /// The order is failed only when every line is, and never ahead of
        /// a live line.
        #[test]
        fn the_roll_up_never_runs_ahead(lines in proptest::collection::vec(0u8..4, 1..8)) {
            let all = [OrderStatus::Pending, OrderStatus::Fulfilled, OrderStatus::Delivered, OrderStatus::Failed];
            let lines: Vec<_> = lines.into_iter().map(|i| all[i as usize]).collect();
            let o = order_status(&lines);
            prop_assert_eq!(o == OrderStatus::Failed, lines.iter().all(|l| *l == OrderStatus::Failed));
            let rank = |s: OrderStatus| all.iter().position(|x| *x == s).unwrap();
            if o != OrderStatus::Failed {
                prop_assert!(lines.iter().filter(|l| **l != OrderStatus::Failed).all(|l| rank(*l) >= rank(o)));
            }
        }
    }
}
