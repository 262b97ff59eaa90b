//! Webhooks as the Standard Webhooks specification has them: which events
//! exist, what a delivery carries, how it is signed, which endpoint URLs are
//! accepted, and when a failed delivery is tried again.
//!
//! The Worker writes an event in the same D1 batch as the change it reports
//! (triggers of `edge/migrations/0007_webhooks.sql`), and delivers it off
//! the request path through a Queue; everything it decides on the way is
//! here, as pure functions.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::Error;
use crate::timestamp::Timestamp;

/// What happened. The wire names are the contract's (`points.earned`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum EventType {
    /// A member's first appearance.
    #[serde(rename = "member.created")]
    MemberCreated,
    /// Points earned: a purchase (pending or not), a bonus.
    #[serde(rename = "points.earned")]
    PointsEarned,
    /// A manual adjustment by the store.
    #[serde(rename = "points.adjusted")]
    PointsAdjusted,
    /// Points taken back by a refund.
    #[serde(rename = "points.reversed")]
    PointsReversed,
    /// Points given back: a checkout code made with them was not used
    /// within its hour.
    #[serde(rename = "points.returned")]
    PointsReturned,
    /// Points that expired.
    #[serde(rename = "points.expired")]
    PointsExpired,
    /// Points that will expire within the program's warning period
    /// (`expiry_warning_days`), told once per lot by the scheduled job.
    #[serde(rename = "points.expiring_soon")]
    PointsExpiringSoon,
    /// A reward redeemed for points, with its coupon.
    #[serde(rename = "reward.redeemed")]
    RewardRedeemed,
    /// A coupon used at checkout.
    #[serde(rename = "coupon.redeemed")]
    CouponRedeemed,
    /// The member's tier moved, up or down.
    #[serde(rename = "tier.changed")]
    TierChanged,
    /// A friend the member referred placed their first qualifying order.
    #[serde(rename = "referral.completed")]
    ReferralCompleted,
    /// A reward order's line moved (`pending`, `fulfilled`, `delivered`,
    /// `failed`); a webhook delivery's codes come with `fulfilled`.
    #[serde(rename = "reward_order.status")]
    RewardOrderStatus,
}

impl EventType {
    /// Every event type, in the contract's order.
    pub const ALL: [EventType; 12] = [
        EventType::MemberCreated,
        EventType::PointsEarned,
        EventType::PointsAdjusted,
        EventType::PointsReversed,
        EventType::PointsReturned,
        EventType::PointsExpired,
        EventType::PointsExpiringSoon,
        EventType::RewardRedeemed,
        EventType::CouponRedeemed,
        EventType::TierChanged,
        EventType::ReferralCompleted,
        EventType::RewardOrderStatus,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::MemberCreated => "member.created",
            EventType::PointsEarned => "points.earned",
            EventType::PointsAdjusted => "points.adjusted",
            EventType::PointsReversed => "points.reversed",
            EventType::PointsReturned => "points.returned",
            EventType::PointsExpired => "points.expired",
            EventType::PointsExpiringSoon => "points.expiring_soon",
            EventType::RewardRedeemed => "reward.redeemed",
            EventType::CouponRedeemed => "coupon.redeemed",
            EventType::TierChanged => "tier.changed",
            EventType::ReferralCompleted => "referral.completed",
            EventType::RewardOrderStatus => "reward_order.status",
        }
    }

    /// The type a wire name names.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// What an event reports, as the triggers write it; every event names the
/// member. Fields that do not apply to an event type are absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EventData {
    /// The member.
    pub customer_id: String,
    /// Points moved (signed: a reversal or an expiry is negative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    /// The ledger entry, for events that post one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<i64>,
    /// The order, for purchases, refunds and coupons used at checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Why, as the ledger says it (an adjustment's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Points earned but pending until this time (purchases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_at: Option<Timestamp>,
    /// The reward redeemed, or whose coupon was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_id: Option<String>,
    /// The redemption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption_id: Option<String>,
    /// The coupon code issued or used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// When the coupon, or the points about to expire, expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// `tier.changed`: the tier left (absent below the lowest tier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// `tier.changed`: the tier reached (absent below the lowest tier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `tier.changed`: which way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<TierDirection>,
    /// `referral.completed`: the referral.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<String>,
    /// `referral.completed`: the friend whose order completed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friend_customer_id: Option<String>,
    /// `reward_order.status`: the order's PO number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    /// `reward_order.status`: the line (from 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// `reward_order.status`: where the line stands now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<crate::reward_order::OrderStatus>,
    /// `reward_order.status`: how the line is delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<crate::reward_order::DeliveryKind>,
    /// `reward_order.status`, a webhook delivery's `fulfilled`: the codes
    /// the store delivers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes: Option<Vec<String>>,
}

/// Which way a tier change went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TierDirection {
    /// To a higher tier.
    Up,
    /// To a lower tier (a refund took back what had earned it).
    Down,
}

/// The body of a delivery: `{"type", "timestamp", "data"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Payload {
    /// Event type.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// When the change was committed.
    pub timestamp: Timestamp,
    /// What changed.
    pub data: EventData,
}

/// The event types an endpoint receives: a list of types, or every type
/// (`["*"]`, which also takes types added later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscription {
    /// Every event type.
    All,
    /// These types (at least one, no repeats).
    Only(Vec<EventType>),
}

impl Subscription {
    /// Parses the `events` of a subscription request.
    pub fn parse(names: &[String]) -> Result<Subscription, Error> {
        if names.is_empty() {
            return Err(Error::invalid("events", "must name at least one event type, or \"*\""));
        }
        if names.iter().any(|n| n == "*") {
            return if names.len() == 1 {
                Ok(Subscription::All)
            } else {
                Err(Error::invalid("events", "\"*\" already means every event type: send it alone"))
            };
        }
        let mut types = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            let t = EventType::parse(n).ok_or_else(|| {
                let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
                Error::invalid(format!("events[{i}]"), format!("unknown event type {n:?}; known: {}", known.join(", ")))
            })?;
            if types.contains(&t) {
                return Err(Error::invalid(format!("events[{i}]"), format!("{n} is listed twice")));
            }
            types.push(t);
        }
        Ok(Subscription::Only(types))
    }

    /// The wire form (what the API answers and the database stores).
    pub fn names(&self) -> Vec<String> {
        match self {
            Subscription::All => vec!["*".to_owned()],
            Subscription::Only(types) => types.iter().map(|t| t.as_str().to_owned()).collect(),
        }
    }

    /// Whether an event of type `t` goes to this endpoint.
    pub fn includes(&self, t: EventType) -> bool {
        match self {
            Subscription::All => true,
            Subscription::Only(types) => types.contains(&t),
        }
    }
}

/// The longest endpoint URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// Checks an endpoint URL: `https://` with a host; `http://` only to this
/// machine (`localhost`, `127.0.0.1`), and only in development.
pub fn check_url(url: &str, development: bool) -> Result<(), Error> {
    let bad = |m: &str| Err(Error::invalid("url", m));
    if url.len() > MAX_URL_LEN {
        return bad("must be at most 2048 characters");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain spaces or control characters");
    }
    let (secure, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return bad("must start with https://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return bad("must not carry a user name or password");
    }
    // An IPv6 literal is bracketed; the port, if any, follows the bracket.
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, "")) => (addr, None),
            Some((addr, rest)) => match rest.strip_prefix(':') {
                Some(port) => (addr, Some(port)),
                None => return bad("has an invalid host"),
            },
            None => return bad("has an invalid host"),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) || p.parse::<u16>().is_err()) {
        return bad("has an invalid port");
    }
    if host.is_empty() {
        return bad("must name a host");
    }
    if !secure {
        let loopback = host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1";
        if !(loopback && development) {
            return bad("must start with https:// (http://localhost and http://127.0.0.1 only in development)");
        }
    }
    Ok(())
}

/// The prefix of a signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a signing secret.
pub const SECRET_BYTES: usize = 32;

/// A new signing secret, `whsec_` + base64 of [`SECRET_BYTES`] random bytes
/// drawn from `fill` (the platform's CSPRNG in the Worker).
pub fn new_secret(fill: &mut dyn FnMut(&mut [u8])) -> String {
    let mut key = [0u8; SECRET_BYTES];
    fill(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The HMAC key of a secret: the base64-decoded part after `whsec_`.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()
}

/// One signature: `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
pub fn sign(key: &[u8], id: &str, timestamp: Timestamp, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.0.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: a signature by each secret in force
/// (two during a rotation), space-separated.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: Timestamp, body: &str) -> Result<String, Error> {
    let mut out = Vec::with_capacity(secrets.len());
    for s in secrets {
        let key = secret_key(s).ok_or_else(|| Error::invalid("secret", "is not a whsec_ secret"))?;
        out.push(sign(&key, id, timestamp, body));
    }
    Ok(out.join(" "))
}

/// How long an old secret keeps signing after a rotation.
pub const ROTATION_OVERLAP_SECS: i64 = 24 * 3600;

/// How long a delivery is tried before it is `failed`.
pub const GIVE_UP_AFTER_SECS: i64 = 24 * 3600;

/// How long to wait for an endpoint's answer.
pub const TIMEOUT_SECS: u64 = 10;

/// The wait before the next try of a delivery that has failed `attempts`
/// times (1 or more): it doubles from 30 s up to an hour (in development
/// from 1 s up to a minute, so a local test sees several tries at once).
pub fn retry_delay_secs(attempts: u32, development: bool) -> i64 {
    let (first, cap) = if development { (1, 60) } else { (30, 3600) };
    let doublings = attempts.saturating_sub(1).min(20);
    (first << doublings).min(cap)
}

/// When to try a delivery first tried at `first_attempt` again, after it
/// failed for the `attempts`-th time at `now`; `None` once the next try
/// would come more than [`GIVE_UP_AFTER_SECS`] after the first: it has
/// failed.
pub fn next_attempt(first_attempt: Timestamp, attempts: u32, now: Timestamp, development: bool) -> Option<Timestamp> {
    let next = now.plus_secs(retry_delay_secs(attempts, development));
    (next.0 - first_attempt.0 <= GIVE_UP_AFTER_SECS).then_some(next)
}

/// What an endpoint's answer means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: delivered.
    Delivered,
    /// 410 Gone: the endpoint asks to be removed; it is deactivated.
    Gone,
    /// Anything else, a timeout or no connection: try again later.
    Retry,
}

impl Outcome {
    /// The outcome of an HTTP status.
    pub fn of_status(status: u16) -> Outcome {
        match status {
            200..=299 => Outcome::Delivered,
            410 => Outcome::Gone,
            _ => Outcome::Retry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The example of the Standard Webhooks reference libraries.
    #[test]
    fn signs_as_the_reference_libraries_do() {
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", Timestamp(1_614_265_330), r#"{"test": 2432232314}"#),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_rotation_signs_with_both_secrets() {
        let mut n = 0u8;
        let mut fill = |b: &mut [u8]| {
            n += 1;
            b.fill(n)
        };
        let (old, new) = (new_secret(&mut fill), new_secret(&mut fill));
        assert!(old.starts_with("whsec_") && old != new);
        let h = signature_header(&[&new, &old], "evt_1", Timestamp(1), "{}").unwrap();
        let parts: Vec<&str> = h.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], sign(&secret_key(&old).unwrap(), "evt_1", Timestamp(1), "{}"));
        assert!(signature_header(&["nope"], "evt_1", Timestamp(1), "{}").is_err());
    }

    #[test]
    fn event_types_round_trip_their_wire_names() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{}\"", t.as_str()));
        }
        assert_eq!(EventType::parse("points.earn"), None);
    }

    #[test]
    fn subscriptions() {
        let s = |v: &[&str]| Subscription::parse(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["*"]).unwrap(), Subscription::All);
        assert!(s(&["*"]).unwrap().includes(EventType::CouponRedeemed));
        let only = s(&["points.earned", "tier.moved"]);
        assert!(only.unwrap_err().to_string().contains("events[1]"));
        let only = s(&["points.earned", "points.expired"]).unwrap();
        assert!(only.includes(EventType::PointsExpired) && !only.includes(EventType::PointsAdjusted));
        assert_eq!(only.names(), ["points.earned", "points.expired"]);
        assert!(s(&[]).is_err());
        assert!(s(&["*", "points.earned"]).is_err());
        assert!(s(&["points.earned", "points.earned"]).is_err());
    }

    #[test]
    fn endpoint_urls() {
        for ok in ["https://shop.example/hooks", "https://shop.example:8443/h?x=1", "https://[2001:db8::1]/h"] {
            assert!(check_url(ok, false).is_ok(), "{ok}");
        }
        for dev_only in ["http://127.0.0.1:9000/h", "http://localhost/h", "http://LOCALHOST:1"] {
            assert!(check_url(dev_only, true).is_ok(), "{dev_only}");
            assert!(check_url(dev_only, false).is_err(), "{dev_only}");
        }
        for bad in [
            "http://shop.example/h",
            "http://10.0.0.1/h",
            "http://127.0.0.1.nip.io/h",
            "ftp://shop.example",
            "https://",
            "https://:443/h",
            "https://u:p@shop.example/h",
            "https://shop.example:99999/h",
            "https://shop.example/a b",
            "shop.example",
        ] {
            assert!(check_url(bad, true).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://shop.example/{}", "a".repeat(MAX_URL_LEN)), false).is_err());
    }

    #[test]
    fn retries_double_up_to_their_cap_and_stop_after_a_day() {
        assert_eq!((1..=4).map(|a| retry_delay_secs(a, true)).collect::<Vec<_>>(), [1, 2, 4, 8]);
        assert_eq!(retry_delay_secs(30, true), 60);
        assert_eq!((1..=3).map(|a| retry_delay_secs(a, false)).collect::<Vec<_>>(), [30, 60, 120]);
        assert_eq!(retry_delay_secs(u32::MAX, false), 3600);
        let first = Timestamp(1_000_000);
        assert_eq!(next_attempt(first, 1, first, false), Some(first.plus_secs(30)));
        assert_eq!(next_attempt(first, 40, first.plus_secs(GIVE_UP_AFTER_SECS - 10), false), None);
    }

    proptest! {
        /// However the tries fall, a delivery is tried for at least a day
        /// and given up within a day and a delay.
        #[test]
        fn a_delivery_is_tried_for_a_day(development in any::<bool>(), late in 0i64..120) {
            let first = Timestamp(1_700_000_000);
            let (mut now, mut attempts) = (first, 1u32);
            while let Some(next) = next_attempt(first, attempts, now, development) {
                prop_assert!(next.0 > now.0);
                now = next.plus_secs(late);
                attempts += 1;
            }
            prop_assert!(now.0 - first.0 + retry_delay_secs(attempts, development) > GIVE_UP_AFTER_SECS);
            prop_assert!(now.0 - first.0 <= GIVE_UP_AFTER_SECS + 120);
        }

        #[test]
        fn check_url_never_panics(url in ".{0,64}", development in any::<bool>()) {
            let _ = check_url(&url, development);
        }
    }
}
