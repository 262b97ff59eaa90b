//! Earning: purchase and bonus events, and refunds that take points back.

use loyalty_core::earn;
use loyalty_core::ids::check_id;
use loyalty_core::items::{self, Line};
use loyalty_core::program::{Activity, BonusEvent, Program};
use loyalty_core::timestamp::parse_date;
use loyalty_core::wire::{
    ActivityStanding, AppliedCampaign, EventReceipt, EventRequest, EventType, ItemRefund, MemberActivities,
    RefundReceipt, RefundRequest,
};
use serde::Deserialize;

use crate::args;
use crate::db::{rows, Conflict};
use crate::error::{Error, Result};
use crate::http::{random_id, Ctx, Reply};
use crate::members::{self, MemberRow};
use crate::write::{Begin, Natural, Outcome, Write};
use crate::{program, referrals};

/// `POST /v1/events`.
pub async fn post_event(ctx: &mut Ctx) -> Result<Reply> {
    let (ev, raw): (EventRequest, _) = ctx.json().await?;
    check_id("customer_id", &ev.customer_id)?;
    let mut w = match Write::begin(ctx, "server", &raw).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    let program = program::load(ctx).await?;
    let reply = match ev.kind {
        EventType::Purchase => purchase(ctx, &program, &ev, &mut w).await?,
        EventType::Signup => bonus(ctx, &program, &ev, Earnable::Bonus(BonusEvent::Signup), &mut w).await?,
        EventType::Birthday => bonus(ctx, &program, &ev, Earnable::Bonus(BonusEvent::Birthday), &mut w).await?,
        EventType::Review => bonus(ctx, &program, &ev, Earnable::Bonus(BonusEvent::Review), &mut w).await?,
        EventType::Referral => bonus(ctx, &program, &ev, Earnable::Bonus(BonusEvent::Referral), &mut w).await?,
        EventType::Activity => {
            let id = ev
                .activity_id
                .as_deref()
                .ok_or_else(|| Error::invalid("activity_id", "is required for an activity"))?;
            let activity = program
                .activity(id)
                .ok_or_else(|| Error::invalid("activity_id", format!("the program has no activity {id}")))?;
            if ev.event_id.is_none() {
                return Err(Error::invalid("event_id", "is required for an activity: it is earned once per event_id"));
            }
            bonus(ctx, &program, &ev, Earnable::Activity(activity), &mut w).await?
        }
    };
    w.finish(reply).await
}

async fn purchase(ctx: &Ctx, program: &Program, ev: &EventRequest, w: &mut Write) -> Result<Reply> {
    let order_id = ev.order_id.as_deref().ok_or_else(|| Error::invalid("order_id", "is required for a purchase"))?;
    check_id("order_id", order_id)?;
    let amount = ev.amount_minor.ok_or_else(|| Error::invalid("amount_minor", "is required for a purchase"))?;
    let currency = ev.currency.as_deref().ok_or_else(|| Error::invalid("currency", "is required for a purchase"))?;
    if ev.event_id.is_some() {
        return Err(Error::invalid("event_id", "is for bonus events; a purchase is identified by order_id"));
    }
    if ev.activity_id.is_some() {
        return Err(Error::invalid("activity_id", "is for activities"));
    }
    let now = ctx.now;
    let db = w.db();
    let order = Natural::Order(order_id.to_owned());
    // One round trip: has this order been seen, and the member's standing.
    let seen = db.batch(vec![order.lookup_stmt(db)?, members::member_stmt(db, &ev.customer_id)?]).await?;
    if let Some(first) = w.natural_answer(&order, &seen, 0).await? {
        return Ok(first);
    }
    let member = rows::<MemberRow>(&seen, 1)?.into_iter().next();
    let member = member.unwrap_or_else(|| MemberRow::unseen(&ev.customer_id, now));
    let status = member.tier(program, now);
    let occurred_at = ev.occurred_at.unwrap_or(now);
    let campaign = earn::campaign(program, &member.attributes(Some(program), now), occurred_at);
    let items = ev.items.as_deref();
    let e = earn::purchase(program, amount, items, currency, status.multiplier_percent, campaign, occurred_at, now)?;
    let pending = e.points > 0 && e.available_at > now;
    let cause = format!("order:{order_id}");

    let mut stmts = vec![members::ensure_member(db, &ev.customer_id, now)?];
    stmts.push(db.stmt(
        "INSERT INTO orders (order_id, customer_id, amount_minor, currency, points_earned, occurred_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        args![order_id, &ev.customer_id, amount, currency, e.points, occurred_at.0, now.0],
    )?);
    stmts.push(db.stmt(
        "UPDATE members SET lifetime_spend_minor = lifetime_spend_minor + ? WHERE customer_id = ?",
        args![amount, &ev.customer_id],
    )?);
    if let Some(items) = items {
        // Each line with what it earned, in the order sent.
        let lines: Vec<serde_json::Value> = items
            .iter()
            .zip(&e.items)
            .map(|(i, p)| {
                serde_json::json!({"sku": i.sku, "category": i.category, "quantity": i.quantity,
                                   "amount_minor": i.amount_minor, "points": p.points})
            })
            .collect();
        stmts.push(db.stmt(
            "INSERT INTO order_items (order_id, line, sku, category, quantity, amount_minor, points)
             SELECT ?1, j.key, j.value ->> 'sku', j.value ->> 'category', j.value ->> 'quantity',
                    j.value ->> 'amount_minor', j.value ->> 'points'
               FROM json_each(?2) j",
            args![order_id, serde_json::to_string(&lines)?],
        )?);
    }
    if pending {
        stmts.push(db.stmt(
            "INSERT INTO pending_points (customer_id, order_id, points, available_at, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            args![&ev.customer_id, order_id, e.points, e.available_at.0, e.expires_at.map(|t| t.0), now.0],
        )?);
    } else if e.points > 0 {
        stmts.push(db.stmt(
            "INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, order_id, cause)
             VALUES (?, 'earn', ?, ?, ?, ?, ?)",
            args![&ev.customer_id, e.points, now.0, e.expires_at.map(|t| t.0), order_id, &cause],
        )?);
    }
    if let Some(offer) = &program.referral {
        stmts.extend(referrals::on_purchase(db, offer, &ev.customer_id, order_id, amount, &e, now)?);
    }
    stmts.push(members::entry_by_cause(db, &cause)?);
    let last = stmts.len() - 1;
    let done = match w.commit(stmts).await? {
        Outcome::Done(done) => done,
        Outcome::Refused(Conflict::Duplicate { table }) if table == "orders" => {
            return w.first_answer(&order).await?.ok_or_else(|| Error::Internal("order vanished".into()));
        }
        Outcome::Replayed(r) => return Ok(r),
        Outcome::Refused(c) => return Err(Error::Internal(format!("purchase: {c:?}"))),
    };
    let receipt = EventReceipt {
        kind: EventType::Purchase,
        customer_id: ev.customer_id.clone(),
        order_id: Some(order_id.to_owned()),
        points_earned: e.points,
        pending,
        available_at: if pending { e.available_at } else { now },
        transaction: members::written_entry(&done, last, ctx.lang())?,
        campaign: campaign.map(|c| AppliedCampaign {
            campaign_id: c.campaign_id.clone(),
            name: c.name.clone(),
            multiplier_percent: c.multiplier_percent,
        }),
        items: e.items,
    };
    // The answer is kept with the order, for good (`Write::finish`).
    w.names(order);
    Reply::json(201, &receipt)
}

#[derive(Deserialize)]
struct Claims {
    n: i64,
    /// The years of the member's claims (JSON array).
    years: String,
    in_period: Option<i64>,
    birthday: Option<String>,
}

/// What a non-purchase event earns: a fixed bonus, or one of the
/// program's own activities. Both are numbered claims of the member
/// (`bonus_claims`), capped by core, and once per `event_id`.
#[derive(Clone, Copy)]
enum Earnable<'p> {
    Bonus(BonusEvent),
    Activity(&'p Activity),
}

impl Earnable<'_> {
    /// The claims' `event`.
    fn event(&self) -> String {
        match self {
            Earnable::Bonus(e) => e.as_str().to_owned(),
            Earnable::Activity(a) => format!("activity:{}", a.activity_id),
        }
    }

    /// The ledger entry's cause and reason. A bonus's cause numbers the
    /// member's claims; an activity's is random (its claim's key holds
    /// the activity id, which may hold a colon) and its reason is the
    /// activity's name, which the history shows.
    fn cause_and_reason(&self, customer_id: &str, seq: i64) -> (String, Option<String>) {
        match self {
            Earnable::Bonus(e) => (format!("bonus:{}:{customer_id}:{seq}", e.as_str()), None),
            Earnable::Activity(a) => (random_id("activity"), Some(a.name.clone())),
        }
    }
}

async fn bonus(
    ctx: &Ctx,
    program: &Program,
    ev: &EventRequest,
    earnable: Earnable<'_>,
    w: &mut Write,
) -> Result<Reply> {
    if ev.order_id.is_some() || ev.amount_minor.is_some() || ev.currency.is_some() || ev.items.is_some() {
        return Err(Error::invalid("", "order_id, amount_minor, currency and items are for purchases"));
    }
    if ev.activity_id.is_some() && matches!(earnable, Earnable::Bonus(_)) {
        return Err(Error::invalid("activity_id", "is for activities"));
    }
    let event_name = earnable.event();
    if let Some(id) = &ev.event_id {
        check_id("event_id", id)?;
    }
    let now = ctx.now;
    let named = ev.event_id.as_ref().map(|id| Natural::Bonus(format!("{event_name}:{id}")));
    if let Some(n) = &named {
        if let Some(first) = w.first_answer(n).await? {
            return Ok(first);
        }
    }
    let period_start = match earnable {
        Earnable::Activity(a) => earn::activity_period_start(a, now).map_or(i64::MAX, |t| t.0),
        Earnable::Bonus(_) => i64::MAX,
    };
    // Claims are numbered; two racing claims for the same number cannot both
    // land, so the per-member cap holds. The loser re-reads and retries.
    for _ in 0..5 {
        let c: Option<Claims> = w
            .db()
            .first(
                "SELECT COUNT(*) AS n, json_group_array(year) AS years, SUM(created_at > ?1) AS in_period,
                        (SELECT birthday FROM members WHERE customer_id = ?2) AS birthday
                   FROM bonus_claims WHERE customer_id = ?2 AND event = ?3",
                args![period_start, &ev.customer_id, event_name.as_str()],
            )
            .await?;
        // A birthday counts for the year of the birthday nearest today, as
        // the scheduled job counts it; other bonuses for the calendar year.
        let birthday = c.as_ref().and_then(|c| c.birthday.as_deref()).and_then(parse_date);
        let year = i64::from(match earnable {
            Earnable::Bonus(BonusEvent::Birthday) => earn::birthday_year(birthday, now.date()),
            _ => now.date().year(),
        });
        let years: Vec<i64> = c.as_ref().map(|c| serde_json::from_str(&c.years)).transpose()?.unwrap_or_default();
        let (n, this_year, in_period) =
            c.map_or((0, false, 0), |c| (c.n, years.contains(&year), c.in_period.unwrap_or(0)));
        let points = match earnable {
            Earnable::Bonus(event) => earn::bonus_points(program, event, n as u32, this_year),
            Earnable::Activity(a) => earn::activity_points(a, n as u32, in_period as u32),
        };
        let Some(points) = points else {
            let receipt = EventReceipt {
                kind: ev.kind,
                customer_id: ev.customer_id.clone(),
                order_id: None,
                points_earned: 0,
                pending: false,
                available_at: now,
                transaction: None,
                campaign: None,
                items: Vec::new(),
            };
            return Reply::json(200, &receipt);
        };
        let seq = n + 1;
        let (cause, reason) = earnable.cause_and_reason(&ev.customer_id, seq);
        let expires_at = earn::expires_at(program, now).map(|t| t.0);
        let event_key = ev.event_id.as_ref().map(|id| format!("{event_name}:{id}"));
        let db = w.db();
        let mut stmts = vec![members::ensure_member(db, &ev.customer_id, now)?];
        stmts.push(db.stmt(
            "INSERT INTO bonus_claims (customer_id, event, seq, event_id, year, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            args![&ev.customer_id, event_name.as_str(), seq, event_key.clone(), year, now.0],
        )?);
        stmts.push(db.stmt(
            "INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, reason, cause) VALUES (?, 'earn', ?, ?, ?, ?, ?)",
            args![&ev.customer_id, points, now.0, expires_at, reason, &cause],
        )?);
        stmts.push(members::entry_by_cause(db, &cause)?);
        let last = stmts.len() - 1;
        match w.commit(stmts).await? {
            Outcome::Done(done) => {
                let receipt = EventReceipt {
                    kind: ev.kind,
                    customer_id: ev.customer_id.clone(),
                    order_id: None,
                    points_earned: points,
                    pending: false,
                    available_at: now,
                    transaction: members::written_entry(&done, last, ctx.lang())?,
                    campaign: None,
                    items: Vec::new(),
                };
                if let Some(n) = named {
                    w.names(n);
                }
                return Reply::json(201, &receipt);
            }
            Outcome::Replayed(r) => return Ok(r),
            Outcome::Refused(Conflict::Duplicate { .. }) => {
                if let Some(n) = &named {
                    if let Some(first) = w.first_answer(n).await? {
                        return Ok(first);
                    }
                }
                continue;
            }
            Outcome::Refused(c) => return Err(Error::Internal(format!("bonus: {c:?}"))),
        }
    }
    Err(Error::Conflict("too many concurrent bonus claims for this member; retry".into()))
}

#[derive(Deserialize)]
struct ActivityClaims {
    n: i64,
    in_period: i64,
}

/// `GET /v1/me/activities`: how many more times each of the program's
/// activities earns for the member now (core's `activity_left` over the
/// member's claims, counted as `bonus` counts them). One statement.
pub async fn my_activities(ctx: &Ctx, customer_id: &str) -> Result<Reply> {
    let program = program::load(ctx).await?;
    let now = ctx.now;
    // [event, start of the activity's period] per activity, in order.
    let asked: Vec<(String, i64)> = program
        .activities
        .iter()
        .map(|a| (format!("activity:{}", a.activity_id), earn::activity_period_start(a, now).map_or(i64::MAX, |t| t.0)))
        .collect();
    let counts: Vec<ActivityClaims> = if asked.is_empty() {
        Vec::new()
    } else {
        ctx.db()?
            .all(
                "SELECT (SELECT COUNT(*) FROM bonus_claims b WHERE b.customer_id = ?1 AND b.event = j.value ->> 0) AS n,
                        (SELECT COUNT(*) FROM bonus_claims b WHERE b.customer_id = ?1 AND b.event = j.value ->> 0
                            AND b.created_at > j.value ->> 1) AS in_period
                   FROM json_each(?2) j ORDER BY j.key",
                args![customer_id, serde_json::to_string(&asked)?],
            )
            .await?
    };
    let activities = program
        .activities
        .iter()
        .zip(counts.iter().chain(std::iter::repeat(&ActivityClaims { n: 0, in_period: 0 })))
        .map(|(a, c)| {
            let (n, recent) = (u32::try_from(c.n).unwrap_or(u32::MAX), u32::try_from(c.in_period).unwrap_or(u32::MAX));
            ActivityStanding { activity_id: a.activity_id.clone(), earned: n, left: earn::activity_left(a, n, recent) }
        })
        .collect();
    Reply::json(200, &MemberActivities { activities })
}

#[derive(Deserialize)]
struct OrderRow {
    customer_id: String,
    amount_minor: i64,
    points_earned: i64,
    refunded_minor: i64,
    refunds: i64,
    pending: Option<i64>,
    /// Whether the order completed a referral.
    referral: i64,
}

#[derive(Deserialize)]
struct ItemRow {
    sku: String,
    amount_minor: i64,
    points: i64,
    refunded_minor: i64,
}

#[derive(Deserialize)]
struct Reversed {
    points: Option<i64>,
}

/// An order's lines as refunds see them (`loyalty_core::items::Line`):
/// its items, in order, then the rest of the order, which for an order
/// sent without items is all of it.
fn order_lines(o: &OrderRow, items: Vec<ItemRow>) -> Vec<Line> {
    let (mut amount, mut points, mut refunded) = (o.amount_minor, o.points_earned, o.refunded_minor);
    let mut lines: Vec<Line> = items
        .into_iter()
        .map(|i| {
            amount -= i.amount_minor;
            points -= i.points;
            refunded -= i.refunded_minor;
            Line { sku: Some(i.sku), amount_minor: i.amount_minor, points: i.points, refunded_minor: i.refunded_minor }
        })
        .collect();
    lines.push(Line { sku: None, amount_minor: amount, points, refunded_minor: refunded });
    lines
}

/// `POST /v1/orders/{order_id}/refunds`: take back the points that part of
/// the order earned, proportionally, item by item when the order has
/// items, never more than were earned and never below a zero balance.
pub async fn refund(ctx: &mut Ctx, order_id: &str) -> Result<Reply> {
    check_id("order_id", order_id)?;
    let (req, raw): (RefundRequest, _) = ctx.json().await?;
    if req.amount_minor <= 0 {
        return Err(Error::invalid("amount_minor", "must be a positive integer"));
    }
    let mut w = match Write::begin(ctx, "server", &raw).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    let now = ctx.now;
    for _ in 0..5 {
        let db = w.db();
        // One batch, so the order and its items are read as one state.
        let read = db
            .batch(vec![
                db.stmt(
                    "SELECT customer_id, amount_minor, points_earned, refunded_minor,
                            (SELECT COUNT(*) FROM refunds r WHERE r.order_id = o.order_id) AS refunds,
                            (SELECT points FROM pending_points p WHERE p.order_id = o.order_id) AS pending,
                            EXISTS (SELECT 1 FROM referrals f WHERE f.order_id = o.order_id AND f.status = 'completed')
                              AS referral
                       FROM orders o WHERE order_id = ?",
                    args![order_id],
                )?,
                db.stmt(
                    "SELECT sku, amount_minor, points, refunded_minor FROM order_items WHERE order_id = ? ORDER BY line",
                    args![order_id],
                )?,
            ])
            .await?;
        let o = rows::<OrderRow>(&read, 0)?.into_iter().next();
        let o = o.ok_or_else(|| Error::NotFound(format!("no order {order_id}")))?;
        let lines = order_lines(&o, rows::<ItemRow>(&read, 1)?);
        let parts = items::refund(&lines, req.amount_minor, &req.items)?;
        let due: i64 = parts.iter().map(|p| p.points_due).sum();
        // What the refund takes from each item (the rest, last, has no row).
        let taken: Vec<ItemRefund> = lines
            .iter()
            .zip(&parts)
            .filter_map(|(l, p)| {
                let sku = l.sku.clone()?;
                (p.amount_minor > 0).then_some(ItemRefund {
                    sku,
                    amount_minor: p.amount_minor,
                    points_due: p.points_due,
                })
            })
            .collect();
        let per_line: Vec<(usize, i64)> = parts
            .iter()
            .enumerate()
            .filter(|(i, p)| *i < lines.len() - 1 && p.amount_minor > 0)
            .map(|(i, p)| (i, p.amount_minor))
            .collect();
        let seq = o.refunds + 1;
        let cause = format!("refund:{order_id}:{seq}");
        let mut stmts = vec![
            db.stmt(
                "INSERT INTO refunds (order_id, seq, amount_minor, points_due, created_at) VALUES (?, ?, ?, ?, ?)",
                args![order_id, seq, req.amount_minor, due, now.0],
            )?,
            db.stmt(
                "UPDATE orders SET refunded_minor = refunded_minor + ?, points_reversed_due = points_reversed_due + ? WHERE order_id = ?",
                args![req.amount_minor, due, order_id],
            )?,
            db.stmt(
                "UPDATE members SET lifetime_spend_minor = MAX(0, lifetime_spend_minor - ?) WHERE customer_id = ?",
                args![req.amount_minor, &o.customer_id],
            )?,
            // Points still pending are reduced where they are; points in the
            // ledger are taken back by a new entry, never past a zero balance.
            db.stmt("UPDATE pending_points SET points = points - MIN(?, points) WHERE order_id = ?", args![due, order_id])?,
            db.stmt(
                "INSERT INTO ledger (customer_id, kind, points, created_at, order_id, cause)
                 SELECT customer_id, 'refund', -MIN(?1, balance), ?2, ?3, ?4 FROM members
                  WHERE customer_id = ?5 AND MIN(?1, balance) > 0
                    AND NOT EXISTS (SELECT 1 FROM pending_points WHERE order_id = ?3)",
                args![due, now.0, order_id, &cause, &o.customer_id],
            )?,
        ];
        if !per_line.is_empty() {
            stmts.push(db.stmt(
                "UPDATE order_items SET refunded_minor = refunded_minor
                        + (SELECT j.value ->> 1 FROM json_each(?2) j WHERE j.value ->> 0 = order_items.line)
                  WHERE order_id = ?1 AND line IN (SELECT j.value ->> 0 FROM json_each(?2) j)",
                args![order_id, serde_json::to_string(&per_line)?],
            )?);
        }
        if o.referral != 0 {
            stmts.extend(referrals::on_refund(db, order_id)?);
        }
        stmts.push(db.stmt("SELECT -points AS points FROM ledger WHERE cause = ?", args![&cause])?);
        let last = stmts.len() - 1;
        match w.commit(stmts).await? {
            Outcome::Done(done) => {
                let from_ledger = done.rows::<Reversed>(last)?.into_iter().next().and_then(|r| r.points).unwrap_or(0);
                let from_pending = o.pending.map_or(0, |p| due.min(p));
                let reversed = from_ledger + from_pending;
                let receipt = RefundReceipt {
                    order_id: order_id.into(),
                    customer_id: o.customer_id,
                    amount_minor: req.amount_minor,
                    refunded_total_minor: o.refunded_minor + req.amount_minor,
                    points_reversed: reversed,
                    points_forgiven: due - reversed,
                    items: taken,
                };
                return w.finish(Reply::json(201, &receipt)?).await;
            }
            Outcome::Replayed(r) => return Ok(r),
            Outcome::Refused(Conflict::Duplicate { .. }) => continue,
            Outcome::Refused(c) => return Err(Error::Internal(format!("refund: {c:?}"))),
        }
    }
    Err(Error::Conflict("too many concurrent refunds for this order; retry".into()))
}

/// Used by the dev checkout: a purchase without an API key.
pub async fn purchase_for_demo(ctx: &mut Ctx, customer_id: &str, amount_minor: i64, order_id: &str) -> Result<Reply> {
    let program = program::load(ctx).await?;
    let ev = EventRequest {
        kind: EventType::Purchase,
        customer_id: customer_id.into(),
        order_id: Some(order_id.into()),
        amount_minor: Some(amount_minor),
        currency: Some(program.currency.clone()),
        occurred_at: None,
        event_id: None,
        activity_id: None,
        items: None,
    };
    check_id("customer_id", customer_id)?;
    let mut w = Write::unkeyed(ctx)?;
    let reply = purchase(ctx, &program, &ev, &mut w).await?;
    w.finish(reply).await
}
