//! A member's data protection rights: `GET /v1/members/{id}/export`
//! (every datum held on the member, in one document) and
//! `DELETE /v1/members/{id}` (erasure).
//!
//! Erasure keeps the program's figures and removes the person: one batch
//! moves every row of the member to the member's opaque key (so balances,
//! totals and the ledger's hash chain stay true), clears the attributes and
//! free text, rewrites the stored answers that name the customer, and
//! deletes the webhook events (and so their deliveries) still kept about
//! the member. Where each table is handled is listed in `erase`; the
//! end-to-end test reads every column of every table afterwards.

use loyalty_core::wire::{
    Erased, ExportAttributes, ExportBonus, ExportCheckoutCode, ExportCoupon, ExportEntry, ExportEvent, ExportGiftCard,
    ExportImport, ExportOrder, ExportPending, ExportRedemption, ExportReferral, ExportRefund, ExportRewardOrderLine,
    MemberExport,
};
use loyalty_core::Timestamp;
use serde::Deserialize;

use crate::args;
use crate::db::{rows, Conflict};
use crate::error::{Error, Result};
use crate::http::{Ctx, Reply};
use crate::write::{Outcome, Write};

/// An instant column as RFC 3339, as core's `Timestamp` reads it.
macro_rules! ts {
    ($c:literal) => {
        concat!("strftime('%Y-%m-%dT%H:%M:%SZ', ", $c, ", 'unixepoch') AS ", $c)
    };
}

#[derive(Deserialize)]
struct MemberRow {
    customer_id: String,
    member_key: String,
    email: Option<String>,
    name: Option<String>,
    birthday: Option<String>,
    tags: String,
    enrolled_at: String,
    balance: i64,
    lifetime_earned: i64,
    lifetime_spend_minor: i64,
    created_at: i64,
}

#[derive(Deserialize)]
struct EventRow {
    event_id: String,
    #[serde(rename = "type")]
    event_type: String,
    data: String,
    created_at: Timestamp,
}

/// `GET /v1/members/{id}/export`: one round trip, a statement per kind of
/// record.
pub async fn export(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    let db = ctx.db()?;
    let q = |sql: &str| db.stmt(sql, args![customer_id]);
    let res = db
        .batch(vec![
            q("SELECT customer_id, member_key, email, name, birthday, tags, enrolled_at, balance, lifetime_earned,
                      lifetime_spend_minor, created_at
                 FROM members WHERE customer_id = ?1")?,
            q(concat!(
                "SELECT id AS entry_id, kind, points, ",
                ts!("created_at"),
                ", ",
                ts!("expires_at"),
                ", order_id, reward_id, redemption_id, lot_id, reason, cause
                   FROM ledger WHERE customer_id = ?1 ORDER BY id"
            ))?,
            q(concat!(
                "SELECT order_id, points, ",
                ts!("available_at"),
                ", ",
                ts!("expires_at"),
                " FROM pending_points WHERE customer_id = ?1 ORDER BY id"
            ))?,
            q(concat!(
                "SELECT order_id, amount_minor, currency, points_earned, ",
                ts!("occurred_at"),
                ", refunded_minor FROM orders WHERE customer_id = ?1 ORDER BY occurred_at, order_id"
            ))?,
            q("SELECT r.order_id, r.seq, r.amount_minor, r.points_due,
                      strftime('%Y-%m-%dT%H:%M:%SZ', r.created_at, 'unixepoch') AS created_at
                 FROM refunds r JOIN orders o ON o.order_id = r.order_id
                WHERE o.customer_id = ?1 ORDER BY r.order_id, r.seq")?,
            q(concat!(
                "SELECT event, event_id, ",
                ts!("created_at"),
                " FROM bonus_claims WHERE customer_id = ?1 ORDER BY created_at, event, seq"
            ))?,
            q(concat!(
                "SELECT redemption_id, reward_id, points, attributes, ",
                ts!("created_at"),
                " FROM redemptions WHERE customer_id = ?1 ORDER BY created_at, redemption_id"
            ))?,
            q(concat!(
                "SELECT code, reward_id, redemption_id, ",
                ts!("issued_at"),
                ", ",
                ts!("expires_at"),
                ", ",
                ts!("used_at"),
                ", used_order_id FROM coupons WHERE customer_id = ?1 ORDER BY issued_at, code"
            ))?,
            q(concat!("SELECT points, lifetime_earned, ", ts!("imported_at"), " FROM imports WHERE customer_id = ?1"))?,
            q(concat!(
                "SELECT event_id, type, data, ",
                ts!("created_at"),
                " FROM events WHERE customer_id = ?1 ORDER BY seq"
            ))?,
            q(concat!(
                "SELECT referral_id, code, referrer_id, friend_id, status, order_id, points, coupon_code, ",
                ts!("created_at"),
                ", ",
                ts!("completed_at"),
                " FROM referrals WHERE referrer_id = ?1 OR friend_id = ?1 ORDER BY created_at, referral_id"
            ))?,
            q(concat!(
                "SELECT l.order_id, o.po_number, l.line_no AS line, l.reward_id, l.quantity, l.status, l.reason,
                        l.delivery_type AS delivery, l.email, l.personalization,
                        strftime('%Y-%m-%dT%H:%M:%SZ', l.claimed_at, 'unixepoch') AS claimed_at",
                " FROM reward_order_lines l JOIN reward_orders o ON o.order_id = l.order_id
                 WHERE l.customer_id = ?1 ORDER BY o.created_at, l.order_id, l.line_no"
            ))?,
            q(concat!(
                "SELECT code, reward_id, currency, initial_minor, balance_minor, ",
                ts!("issued_at"),
                ", ",
                ts!("expires_at"),
                " FROM gift_cards WHERE customer_id = ?1 ORDER BY issued_at, code"
            ))?,
            q(concat!(
                "SELECT code, order_id, points, amount_minor, currency, ",
                ts!("created_at"),
                ", ",
                ts!("used_at"),
                ", ",
                ts!("returned_at"),
                " FROM checkout_codes WHERE customer_id = ?1 ORDER BY created_at, code"
            ))?,
        ])
        .await?;
    let m = rows::<MemberRow>(&res, 0)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(format!("no member {customer_id}")))?;
    let webhook_events = rows::<EventRow>(&res, 9)?
        .into_iter()
        .map(|e| {
            Ok(ExportEvent {
                event_id: e.event_id,
                event_type: e.event_type,
                data: serde_json::from_str(&e.data)?,
                created_at: e.created_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let export = MemberExport {
        customer_id: m.customer_id,
        member_key: m.member_key,
        attributes: ExportAttributes {
            email: m.email,
            name: m.name,
            birthday: m.birthday,
            tags: serde_json::from_str(&m.tags)?,
            enrolled_at: m.enrolled_at,
        },
        balance: m.balance,
        lifetime_earned: m.lifetime_earned,
        lifetime_spend_minor: m.lifetime_spend_minor,
        created_at: Timestamp(m.created_at),
        ledger: rows::<ExportEntry>(&res, 1)?,
        pending_points: rows::<ExportPending>(&res, 2)?,
        orders: rows::<ExportOrder>(&res, 3)?,
        refunds: rows::<ExportRefund>(&res, 4)?,
        bonus_claims: rows::<ExportBonus>(&res, 5)?,
        redemptions: rows::<RedemptionRow>(&res, 6)?.into_iter().map(RedemptionRow::export).collect::<Result<_>>()?,
        coupons: rows::<ExportCoupon>(&res, 7)?,
        import: rows::<ExportImport>(&res, 8)?.into_iter().next(),
        referrals: rows::<ExportReferral>(&res, 10)?,
        reward_orders: rows::<RewardOrderLineRow>(&res, 11)?
            .into_iter()
            .map(RewardOrderLineRow::export)
            .collect::<Result<_>>()?,
        gift_cards: rows::<ExportGiftCard>(&res, 12)?,
        checkout_codes: rows::<ExportCheckoutCode>(&res, 13)?,
        webhook_events,
    };
    Reply::json(200, &export)
}

#[derive(Deserialize)]
struct Key {
    member_key: String,
}

/// `DELETE /v1/members/{id}`: erasure, in one batch (`?1` the customer
/// id, `?2` the member's key). The batch defers foreign keys, so the
/// member's rows can move to the key table by table; they are checked
/// when it commits.
pub async fn erase(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    let mut w = Write::unkeyed(ctx)?;
    let key = w
        .db()
        .first::<Key>("SELECT member_key FROM members WHERE customer_id = ?", args![customer_id])
        .await?
        .ok_or_else(|| Error::NotFound(format!("no member {customer_id}")))?
        .member_key;
    let db = w.db();
    // D1 wants as many values as the statement names.
    let s = |sql: &str| {
        if sql.contains("?2") {
            db.stmt(sql, args![customer_id, &key])
        } else {
            db.stmt(sql, args![customer_id])
        }
    };
    // A stored answer names the customer as a JSON string: the same
    // string, naming the key instead.
    let stmts = vec![
        db.stmt("PRAGMA defer_foreign_keys = on", args![])?,
        // Lets the ledger's entries move (migration 0012).
        s("INSERT INTO erasing (customer_id, member_key) VALUES (?1, ?2)")?,
        s("UPDATE lot_closures SET customer_id = ?2 WHERE customer_id = ?1")?,
        s("UPDATE lot_warnings SET customer_id = ?2 WHERE customer_id = ?1")?,
        // An adjustment's reason is the merchant's free text; a bonus's
        // cause names the customer (`bonus:EVENT:CUSTOMER:SEQ`), which the
        // key replaces, as `chain::public_cause` does for the export.
        s("UPDATE ledger SET customer_id = ?2,
                  reason = CASE WHEN kind = 'adjust' THEN NULL ELSE reason END,
                  cause = CASE
                    WHEN cause LIKE 'bonus:%'
                     AND substr(cause, 7 + instr(substr(cause, 7), ':'), length(?1) + 1) = ?1 || ':'
                    THEN substr(cause, 1, 6 + instr(substr(cause, 7), ':')) || ?2
                         || substr(cause, 7 + instr(substr(cause, 7), ':') + length(?1))
                    ELSE cause END
            WHERE customer_id = ?1")?,
        s("UPDATE pending_points SET customer_id = ?2 WHERE customer_id = ?1")?,
        s("UPDATE orders SET customer_id = ?2, response = replace(response, json_quote(?1), json_quote(?2))
            WHERE customer_id = ?1")?,
        s("UPDATE refunds SET response = replace(response, json_quote(?1), json_quote(?2))
            WHERE order_id IN (SELECT order_id FROM orders WHERE customer_id = ?2)")?,
        s("UPDATE bonus_claims SET customer_id = ?2, response = replace(response, json_quote(?1), json_quote(?2))
            WHERE customer_id = ?1")?,
        // What the member wrote with a redemption goes with them.
        s("UPDATE redemptions SET customer_id = ?2, response = replace(response, json_quote(?1), json_quote(?2)),
                                  attributes = NULL, attribute_labels = NULL
            WHERE customer_id = ?1")?,
        s("UPDATE coupons SET customer_id = ?2 WHERE customer_id = ?1")?,
        s("UPDATE gift_cards SET customer_id = ?2 WHERE customer_id = ?1")?,
        // A reward order's line keeps its rewards and status; who it was
        // for, where the link was sent and the words for them go.
        s("UPDATE reward_order_lines SET customer_id = ?2, email = NULL, personalization = NULL WHERE customer_id = ?1")?,
        s("UPDATE checkout_codes SET customer_id = ?2, response = replace(response, json_quote(?1), json_quote(?2))
            WHERE customer_id = ?1")?,
        s("UPDATE imports SET customer_id = ?2 WHERE customer_id = ?1")?,
        // The member's code stops working; referrals keep their counts,
        // naming the member by the key, without the friend's e-mail.
        s("DELETE FROM referral_codes WHERE customer_id = ?1")?,
        s("UPDATE referrals
              SET referrer_id = CASE WHEN referrer_id = ?1 THEN ?2 ELSE referrer_id END,
                  friend_id = CASE WHEN friend_id = ?1 THEN ?2 ELSE friend_id END,
                  friend_email = CASE WHEN friend_id = ?1 THEN NULL ELSE friend_email END
            WHERE referrer_id = ?1 OR friend_id = ?1")?,
        s("UPDATE reward_grants SET customer_id = ?2 WHERE customer_id = ?1")?,
        // The analytics' count of who was active when counts the key.
        s("UPDATE stats_active SET customer_id = ?2 WHERE customer_id = ?1")?,
        s("DELETE FROM member_tags WHERE customer_id = ?1")?,
        // Their deliveries go with them (ON DELETE CASCADE): a payload
        // still queued is never sent.
        s("DELETE FROM events WHERE customer_id = ?1 OR json_extract(data, '$.friend_customer_id') = ?1")?,
        // Answers kept a day under an Idempotency-Key: those of requests
        // about the member, and any that names it.
        s("DELETE FROM idempotency WHERE customer_id = ?1 OR instr(response, json_quote(?1)) > 0")?,
        s("UPDATE members SET customer_id = ?2, email = NULL, name = NULL, birthday = NULL, tags = '[]'
            WHERE customer_id = ?1")?,
        s("DELETE FROM erasing WHERE customer_id = ?1")?,
    ];
    match w.commit(stmts).await? {
        Outcome::Done(_) => Reply::json(200, &Erased { erased: true, member_key: key }),
        Outcome::Replayed(r) => Ok(r),
        // A member whose customer id is another's key: never by chance.
        Outcome::Refused(Conflict::Duplicate { .. }) => {
            Err(Error::Conflict("a member already has this member's key as customer id".into()))
        }
        Outcome::Refused(c) => Err(Error::Internal(format!("erasure: {c:?}"))),
    }
}

/// A reward order's line as the export reads it: its personalization is
/// stored as JSON text (migration 0023).
#[derive(serde::Deserialize)]
struct RewardOrderLineRow {
    order_id: String,
    po_number: String,
    line: u32,
    reward_id: String,
    quantity: u32,
    status: loyalty_core::reward_order::OrderStatus,
    reason: Option<String>,
    delivery: loyalty_core::reward_order::DeliveryKind,
    email: Option<String>,
    personalization: Option<String>,
    claimed_at: Option<Timestamp>,
}

impl RewardOrderLineRow {
    fn export(self) -> Result<ExportRewardOrderLine> {
        Ok(ExportRewardOrderLine {
            order_id: self.order_id,
            po_number: self.po_number,
            line: self.line,
            reward_id: self.reward_id,
            quantity: self.quantity,
            status: self.status,
            reason: self.reason,
            delivery: self.delivery,
            email: self.email,
            personalization: self.personalization.as_deref().map(serde_json::from_str).transpose()?,
            claimed_at: self.claimed_at,
        })
    }
}

/// A redemption as the export reads it: its attributes are stored as
/// JSON text (migration 0020).
#[derive(serde::Deserialize)]
struct RedemptionRow {
    redemption_id: String,
    reward_id: String,
    points: i64,
    created_at: loyalty_core::Timestamp,
    attributes: Option<String>,
}

impl RedemptionRow {
    fn export(self) -> Result<ExportRedemption> {
        Ok(ExportRedemption {
            redemption_id: self.redemption_id,
            reward_id: self.reward_id,
            points: self.points,
            created_at: self.created_at,
            attributes: self.attributes.as_deref().map(serde_json::from_str).transpose()?.unwrap_or_default(),
        })
    }
}
