//! Members: their standing (`/v1/me`, `/v1/members/{id}`), attributes,
//! history and manual adjustments.

use std::collections::BTreeMap;

use loyalty_core::eligibility::MemberAttributes;
use loyalty_core::ids::check_id;
use loyalty_core::import;
use loyalty_core::ledger::{self, Entry, EntryKind, Line};
use loyalty_core::program::{BonusEvent, Program, TierWindow};
use loyalty_core::redemption::{self, Usage};
use loyalty_core::reward::AttributeValue;
use loyalty_core::search::{self, MemberSearch};
use loyalty_core::timestamp::{format_date, parse_date};
use loyalty_core::wire::{
    AdjustmentRequest, CouponSummary, MemberDetail, MemberList, MemberPatch, MemberSummary, NextTierSummary,
    PendingLot, RewardOffer, RewardOffers, RewardView, ShopperOffers, TierWindowStatus, Transaction, TransactionPage,
};
use loyalty_core::{earn, tier, Lang, Timestamp};
use serde::Deserialize;

use crate::args;
use crate::db::{rows, Arg, Conflict, Db};
use crate::error::{Error, Result};
use crate::http::{int_param, random_id, Ctx, Reply};
use crate::write::{Begin, Committed, Outcome, Write};
use crate::{program, rewards};

/// A `members` row.
#[derive(Debug, Clone, Deserialize)]
pub struct MemberRow {
    /// Id.
    pub customer_id: String,
    /// E-mail.
    pub email: Option<String>,
    /// Tags, JSON array.
    pub tags: String,
    /// Enrolment date.
    pub enrolled_at: String,
    /// Birthday.
    pub birthday: Option<String>,
    /// Spendable points.
    pub balance: i64,
    /// Lifetime earned points.
    pub lifetime_earned: i64,
    /// Lifetime spend.
    pub lifetime_spend_minor: i64,
    /// Bumped by every ledger entry.
    pub version: i64,
    /// Windowed tiers: the tier held (`loyalty_core::tier::Held`).
    #[serde(default)]
    pub tier_held: Option<String>,
    /// Since when the member's progress has been below it.
    #[serde(default)]
    pub tier_below_since: Option<i64>,
    /// The progress in the window: recomputed by the scheduled job, moved
    /// between its runs as the lifetime figures move (migration 0018).
    #[serde(default)]
    pub tier_progress: i64,
    /// The member's opaque key, where a read asks for it.
    #[serde(default)]
    pub member_key: Option<String>,
}

/// The columns of [`MemberRow`].
pub const MEMBER_COLUMNS: &str = "customer_id, email, tags, enrolled_at, birthday, balance, lifetime_earned, \
                              lifetime_spend_minor, version, tier_held, tier_below_since, tier_progress";

impl MemberRow {
    /// A member never seen before: zero balance, enrolled today.
    pub fn unseen(customer_id: &str, now: Timestamp) -> MemberRow {
        MemberRow {
            customer_id: customer_id.into(),
            email: None,
            tags: "[]".into(),
            enrolled_at: format_date(now.date()),
            birthday: None,
            balance: 0,
            lifetime_earned: 0,
            lifetime_spend_minor: 0,
            version: 0,
            tier_held: None,
            tier_below_since: None,
            tier_progress: 0,
            member_key: None,
        }
    }

    /// The member's tier at `now`: by the lifetime figures, or, with a
    /// window, by the progress in it and the tier held through its grace.
    pub fn tier(&self, program: &Program, now: Timestamp) -> tier::TierStatus {
        self.tier_and_held(program, now).0
    }

    /// [`MemberRow::tier`], and with a window what the member holds of it
    /// from now on (the tier and since when the progress is below it).
    fn tier_and_held(&self, program: &Program, now: Timestamp) -> (tier::TierStatus, Option<tier::Held>) {
        match program.tier_window {
            TierWindow::Lifetime => (tier::status(program, self.lifetime_earned, self.lifetime_spend_minor), None),
            _ => {
                let (status, held) = tier::windowed(program, &self.held(), self.tier_progress, now);
                (status, Some(held))
            }
        }
    }

    /// What the member holds of a windowed tier.
    pub fn held(&self) -> tier::Held {
        tier::Held { tier: self.tier_held.clone(), below_since: self.tier_below_since.map(Timestamp) }
    }

    /// The tags.
    pub fn tags(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }

    /// What eligibility rules read.
    pub fn attributes(&self, program: Option<&Program>, now: Timestamp) -> MemberAttributes {
        MemberAttributes {
            enrolled_at: parse_date(&self.enrolled_at),
            birthday: self.birthday.as_deref().and_then(parse_date),
            email: self.email.clone(),
            tags: self.tags(),
            tier: program.and_then(|p| self.tier(p, now).tier),
            lifetime_earned: self.lifetime_earned,
        }
    }
}

/// The statement that reads one member's row (no row for an unseen member).
pub fn member_stmt(db: &Db, customer_id: &str) -> Result<worker::D1PreparedStatement> {
    db.stmt(&format!("SELECT {MEMBER_COLUMNS} FROM members WHERE customer_id = ?"), args![customer_id])
}

/// Makes sure a member row exists (first sight enrols the member today).
pub fn ensure_member(db: &Db, customer_id: &str, now: Timestamp) -> Result<worker::D1PreparedStatement> {
    db.stmt(
        "INSERT INTO members (customer_id, enrolled_at, created_at) VALUES (?, ?, ?) ON CONFLICT (customer_id) DO NOTHING",
        args![customer_id, format_date(now.date()), now.0],
    )
}

/// A ledger row as the expiry job reads it, with its member.
#[derive(Deserialize)]
struct EntryRow {
    customer_id: String,
    id: i64,
    kind: String,
    points: i64,
    created_at: i64,
    expires_at: Option<i64>,
    lot_id: Option<i64>,
}

impl EntryRow {
    fn entry(&self) -> Entry {
        Entry {
            id: self.id,
            kind: EntryKind::parse(&self.kind).unwrap_or(EntryKind::Adjust),
            points: self.points,
            at: Timestamp(self.created_at),
            expires_at: self.expires_at.map(Timestamp),
            lot_id: self.lot_id,
        }
    }
}

/// How much of the ledger to read with a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ledger {
    /// None of it.
    None,
    /// The open lots that hold the balance (for "expiring soon"): a few
    /// rows however long the history (see `ledger::expiring_from_newest`).
    /// Every entry is read only by the expiry job: [`load_for_expiry`].
    Holding,
}

/// A member's row, the ledger rows asked for, and pending points.
pub struct MemberState {
    /// The row (or an unseen member's).
    pub row: MemberRow,
    /// Ledger entries, oldest first (from [`load_for_expiry`]).
    pub entries: Vec<Entry>,
    /// Open lots holding the balance, newest first (with [`Ledger::Holding`]).
    pub holding: Vec<(i64, Option<Timestamp>)>,
    /// Pending points.
    pub pending: Vec<PendingLot>,
    /// Gift cards with something left: code, balance, currency, expiry.
    pub gift_cards: Vec<(String, i64, String, Option<i64>)>,
}

/// The columns of a member's state, for the member whose id is `$id`: its
/// row, pending points and (with [`Ledger::Holding`]) the open lots holding
/// the balance, each as JSON, in one statement.
/// One statement rather than a batch of three: the D1 binding's cost is
/// per statement and per row (measured: a third of the throughput of
/// `GET /v1/me` went to the two extra statements), and three JSON strings
/// cross into wasm cheaper than rows read field by field.
macro_rules! state_columns {
    ($id:literal, $holding:expr) => {
        concat!(
            "(SELECT json_object('customer_id', customer_id, 'email', email, 'tags', tags,
                               'enrolled_at', enrolled_at, 'birthday', birthday, 'balance', balance,
                               'lifetime_earned', lifetime_earned, 'lifetime_spend_minor', lifetime_spend_minor,
                               'version', version, 'tier_held', tier_held, 'tier_below_since', tier_below_since,
                               'tier_progress', tier_progress)
                      FROM members WHERE customer_id = ",
            $id,
            ") AS member,
                    (SELECT json_group_array(json_array(points, available_at)) FROM (
                       SELECT points, available_at FROM pending_points
                        WHERE customer_id = ",
            $id,
            " AND points > 0 ORDER BY available_at)) AS pending,
                    ",
            $holding,
            " AS holding,
                    (SELECT json_group_array(json_array(code, balance_minor, currency, expires_at)) FROM (
                       SELECT code, balance_minor, currency, expires_at FROM gift_cards
                        WHERE customer_id = ",
            $id,
            " AND balance_minor > 0 ORDER BY issued_at DESC, code LIMIT 10)) AS gift_cards"
        )
    };
}

/// Newest open lots until their running total covers the balance, for the
/// member whose id is `$id`: a walk down the index of credits
/// (`ledger_lots`), one lot a step, that stops once the lots cover the
/// balance, so its cost is the lots that hold the balance, not the
/// history (a window over every credit read all of them).
macro_rules! holding {
    ($id:literal) => {
        concat!(
            "(SELECT json_group_array(json_array(points, expires_at)) FROM (
        WITH RECURSIVE walk(id, points, expires_at, running) AS (
          SELECT l.id, l.points, l.expires_at, l.points FROM ledger l
           WHERE l.id = (SELECT MAX(x.id) FROM ledger x WHERE x.customer_id = ",
            $id,
            " AND x.points > 0
                           AND NOT EXISTS (SELECT 1 FROM lot_closures c WHERE c.lot_id = x.id))
             AND (SELECT balance FROM members WHERE customer_id = ",
            $id,
            ") > 0
          UNION ALL
          SELECT l.id, l.points, l.expires_at, w.running + l.points FROM walk w JOIN ledger l
              ON l.id = (SELECT MAX(x.id) FROM ledger x WHERE x.customer_id = ",
            $id,
            " AND x.points > 0 AND x.id < w.id
                           AND NOT EXISTS (SELECT 1 FROM lot_closures c WHERE c.lot_id = x.id))
           WHERE w.running < (SELECT balance FROM members WHERE customer_id = ",
            $id,
            ")
        )
        SELECT points, expires_at FROM walk ORDER BY id DESC))"
        )
    };
}

const STATE_WITH_HOLDING: &str = concat!("SELECT ", state_columns!("?1", holding!("?1")));
const STATE: &str = concat!("SELECT ", state_columns!("?1", "NULL"));
/// The same columns for each row `m` of a list of members.
const LIST_STATE_WITH_HOLDING: &str = state_columns!("m.customer_id", holding!("m.customer_id"));
const LIST_STATE: &str = state_columns!("m.customer_id", "NULL");

#[derive(Deserialize)]
struct StateRow {
    member: Option<String>,
    pending: String,
    holding: Option<String>,
    gift_cards: String,
}

/// Loads a member in one D1 round trip.
pub async fn load(db: &Db, customer_id: &str, now: Timestamp, ledger: Ledger) -> Result<MemberState> {
    let sql = if ledger == Ledger::Holding { STATE_WITH_HOLDING } else { STATE };
    let r: StateRow = db.first(sql, args![customer_id]).await?.ok_or_else(|| Error::Internal("no state row".into()))?;
    state(r, customer_id, now)
}

/// A member's state from its statement's row (`customer_id` names an
/// unseen member).
fn state(r: StateRow, customer_id: &str, now: Timestamp) -> Result<MemberState> {
    let row = match r.member {
        Some(m) => serde_json::from_str(&m)?,
        None => MemberRow::unseen(customer_id, now),
    };
    let pending: Vec<(i64, i64)> = serde_json::from_str(&r.pending)?;
    let holding: Vec<(i64, Option<i64>)> =
        r.holding.as_deref().map(serde_json::from_str).transpose()?.unwrap_or_default();
    let gift_cards = serde_json::from_str(&r.gift_cards)?;
    Ok(MemberState {
        gift_cards,
        row,
        entries: Vec::new(),
        holding: holding.into_iter().map(|(points, at)| (points, at.map(Timestamp))).collect(),
        pending: pending.into_iter().map(|(points, at)| PendingLot { points, available_at: Timestamp(at) }).collect(),
    })
}

/// What the expiry job needs of a member, in one D1 round trip: the row
/// (its version guards the job's write), every ledger entry (for core's
/// FIFO replay; rows, not one JSON value, because a long history could
/// outgrow D1's largest value) and the ids of the lots due at `now` that
/// no closure has settled yet. [`load_many_for_expiry`] for one member
/// (an unseen one: no row, nothing due).
pub async fn load_for_expiry(db: &Db, customer_id: &str, now: Timestamp) -> Result<(MemberState, Vec<i64>)> {
    let one = load_many_for_expiry(db, &[customer_id.to_owned()], now).await?.into_iter().next();
    Ok(one.unwrap_or_else(|| {
        let row = MemberRow::unseen(customer_id, now);
        (
            MemberState { row, entries: Vec::new(), holding: Vec::new(), pending: Vec::new(), gift_cards: Vec::new() },
            Vec::new(),
        )
    }))
}

#[derive(Deserialize)]
struct MemberLot {
    customer_id: String,
    id: i64,
}

/// What the expiry job needs of many members (see [`load_for_expiry`]),
/// in one round trip (three statements over the ids as a JSON array), in
/// the order of `ids`; members without a row are left out.
pub async fn load_many_for_expiry(db: &Db, ids: &[String], now: Timestamp) -> Result<Vec<(MemberState, Vec<i64>)>> {
    let list = serde_json::to_string(ids)?;
    let res = db
        .batch(vec![
            db.stmt(
                &format!("SELECT {MEMBER_COLUMNS} FROM members WHERE customer_id IN (SELECT value FROM json_each(?))"),
                args![list.as_str()],
            )?,
            db.stmt(
                "SELECT customer_id, id, kind, points, created_at, expires_at, lot_id FROM ledger
                  WHERE customer_id IN (SELECT value FROM json_each(?)) ORDER BY customer_id, id",
                args![list.as_str()],
            )?,
            db.stmt(
                "SELECT customer_id, id FROM ledger l
                  WHERE customer_id IN (SELECT value FROM json_each(?1))
                    AND expires_at IS NOT NULL AND expires_at <= ?2 AND points > 0
                    AND NOT EXISTS (SELECT 1 FROM lot_closures c WHERE c.lot_id = l.id)",
                args![list.as_str(), now.0],
            )?,
        ])
        .await?;
    let mut by_id: std::collections::HashMap<String, (MemberState, Vec<i64>)> = rows::<MemberRow>(&res, 0)?
        .into_iter()
        .map(|row| {
            let st = MemberState {
                row,
                entries: Vec::new(),
                holding: Vec::new(),
                pending: Vec::new(),
                gift_cards: Vec::new(),
            };
            (st.row.customer_id.clone(), (st, Vec::new()))
        })
        .collect();
    for r in rows::<EntryRow>(&res, 1)? {
        if let Some((st, _)) = by_id.get_mut(&r.customer_id) {
            st.entries.push(r.entry());
        }
    }
    for l in rows::<MemberLot>(&res, 2)? {
        if let Some((_, lots)) = by_id.get_mut(&l.customer_id) {
            lots.push(l.id);
        }
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The member's standing under `program` at `now`, worded in `lang`.
pub fn summarize(program: Option<&Program>, st: &MemberState, now: Timestamp, lang: Lang) -> MemberSummary {
    let (status, held) = program.map(|p| st.row.tier_and_held(p, now)).unzip();
    MemberSummary {
        customer_id: st.row.customer_id.clone(),
        balance: st.row.balance,
        pending: st.pending.iter().map(|p| p.points).sum(),
        lifetime_earned: st.row.lifetime_earned,
        tier: status.as_ref().and_then(|s| s.tier.clone()),
        next_tier: status.and_then(|s| s.next).map(|n| NextTierSummary {
            name: n.name,
            threshold: n.threshold,
            points_needed: n.needed,
        }),
        expiring: ledger::expiring_from_newest(st.row.balance, &st.holding, now),
        pending_lots: st.pending.clone(),
        tier_window: program.zip(held.flatten()).and_then(|(p, h)| window_status(p, &st.row, &h, now)),
        gift_cards: st
            .gift_cards
            .iter()
            .filter(|(_, _, _, expires)| expires.is_none_or(|x| x > now.0))
            .map(|(code, balance, currency, expires)| {
                let left = loyalty_core::coupon::gift_card_left(*balance, currency);
                CouponSummary::new(code.clone(), expires.map(Timestamp), left, 0, None, lang)
            })
            .collect(),
    }
}

/// The member's standing in a windowed program's tier window.
fn window_status(program: &Program, row: &MemberRow, held: &tier::Held, now: Timestamp) -> Option<TierWindowStatus> {
    let since = tier::window_start(program.tier_window, now)?;
    Some(TierWindowStatus {
        window: program.tier_window,
        progress: row.tier_progress,
        since,
        resets_at: tier::window_resets(program.tier_window, now),
        keeps_until: held.below_since.map(|b| b.plus_days(program.tier_grace_days)),
    })
}

async fn standing(ctx: &Ctx, customer_id: &str) -> Result<(MemberSummary, MemberState)> {
    let program = program::load(ctx).await.ok();
    let ledger = if program.as_ref().is_some_and(|p| p.expiry_days.is_some()) { Ledger::Holding } else { Ledger::None };
    let st = load(&ctx.db()?, customer_id, ctx.now, ledger).await?;
    Ok((summarize(program.as_deref(), &st, ctx.now, ctx.lang()), st))
}

/// `GET /v1/me`.
pub async fn me(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    Reply::json(200, &standing(ctx, customer_id).await?.0)
}

fn detail(summary: MemberSummary, row: &MemberRow) -> MemberDetail {
    MemberDetail {
        summary,
        tags: row.tags(),
        enrolled_at: Some(row.enrolled_at.clone()),
        birthday: row.birthday.clone(),
        email: row.email.clone(),
    }
}

/// `GET /v1/members/{id}`.
pub async fn get(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    let (summary, st) = standing(ctx, customer_id).await?;
    Reply::json(200, &detail(summary, &st.row))
}

/// `GET /v1/members`: `?q=` (what core's `search::parse` reads),
/// `?limit=` (1–100, default 20), `?cursor=`; ordered by customer id, each
/// member as `GET /v1/members/{id}` shows it. One statement: the page's
/// ids come from an index (the key's range, the e-mail index, the tags
/// table) and each member's standing is read beside its row with the
/// columns of a single member's read (`state_columns!`).
pub async fn list(ctx: &mut Ctx) -> Result<Reply> {
    let search = search::parse(ctx.query_param("q").as_deref())?;
    let limit = int_param(ctx.query_param("limit").as_deref(), "limit", 20, 1, 100)?;
    let cursor = search::parse_cursor(ctx.query_param("cursor").as_deref())?;
    let program = program::load(ctx).await.ok();
    // ?1 the cursor ("" before the first page: below every id), ?2 one more
    // than the page, then the search's own values.
    let after = cursor.unwrap_or_default();
    let (ids, values): (&str, Vec<Arg>) = match &search {
        MemberSearch::All => {
            ("SELECT customer_id FROM members WHERE customer_id > ?1 ORDER BY customer_id LIMIT ?2", vec![])
        }
        MemberSearch::Prefix(p) => (
            "SELECT customer_id FROM members WHERE customer_id >= ?3 AND customer_id < ?4 AND customer_id > ?1
              ORDER BY customer_id LIMIT ?2",
            vec![p.into(), search::prefix_end(p).into()],
        ),
        // The page of the union is within the prefix's first page and
        // every member with the e-mail (a handful).
        MemberSearch::EmailOrPrefix { email, prefix } => (
            "SELECT customer_id FROM (
               SELECT customer_id FROM members WHERE ?3 IS NOT NULL AND customer_id >= ?3 AND customer_id < ?4
                                                 AND customer_id > ?1 ORDER BY customer_id LIMIT ?2)
             UNION
             SELECT customer_id FROM members WHERE lower(email) = ?5 AND email IS NOT NULL AND customer_id > ?1",
            // A query that cannot begin an id (NULL) searches no prefix.
            vec![prefix.clone().into(), prefix.as_deref().map(search::prefix_end).into(), email.into()],
        ),
        MemberSearch::Tag(t) => (
            "SELECT customer_id FROM member_tags WHERE tag = ?3 AND customer_id > ?1 ORDER BY customer_id LIMIT ?2",
            vec![t.into()],
        ),
    };
    let columns =
        if program.as_ref().is_some_and(|p| p.expiry_days.is_some()) { LIST_STATE_WITH_HOLDING } else { LIST_STATE };
    let sql = format!("SELECT {columns} FROM members m WHERE m.customer_id IN ({ids}) ORDER BY m.customer_id LIMIT ?2");
    let mut args = vec![Arg::from(after), Arg::from(limit + 1)];
    args.extend(values);
    let rows: Vec<StateRow> = ctx.db()?.all(&sql, &args).await?;
    let more = rows.len() as i64 > limit;
    let mut members = Vec::with_capacity(rows.len().min(limit as usize));
    for r in rows.into_iter().take(limit as usize) {
        let st = state(r, "", ctx.now)?;
        members.push(detail(summarize(program.as_deref(), &st, ctx.now, ctx.lang()), &st.row));
    }
    let next_cursor = if more { members.last().map(|m| m.summary.customer_id.clone()) } else { None };
    Reply::json(200, &MemberList { members, next_cursor })
}

/// `PATCH /v1/members/{id}`: set the attributes eligibility reads.
pub async fn patch(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    let (p, _): (MemberPatch, _) = ctx.json().await?;
    let mut issues = Vec::new();
    if let Some(tags) = &p.tags {
        issues.extend(import::check_tags(tags));
    }
    let date = |v: &Option<Option<String>>, name: &str, issues: &mut Vec<_>| -> Option<Option<String>> {
        match v {
            Some(Some(s)) => match parse_date(s) {
                Some(d) => Some(Some(format_date(d))),
                None => {
                    issues.push(loyalty_core::error::Issue::new(name, "must be a date YYYY-MM-DD"));
                    None
                }
            },
            other => other.clone(),
        }
    };
    let enrolled_at = date(&p.enrolled_at, "enrolled_at", &mut issues);
    let birthday = date(&p.birthday, "birthday", &mut issues);
    if matches!(&p.enrolled_at, Some(None)) {
        issues.push(loyalty_core::error::Issue::new("enrolled_at", "cannot be cleared"));
    }
    if let Some(Some(e)) = &p.email {
        issues.extend(import::check_email(e));
    }
    if !issues.is_empty() {
        return Err(Error::Core(loyalty_core::Error::Invalid(issues)));
    }
    let tags = p.tags.map(import::stored_tags);
    // A PATCH repeats safely without a key: it sets, it does not add.
    let mut w = Write::unkeyed(ctx)?;
    let db = w.db();
    let stmts = vec![
        ensure_member(db, customer_id, ctx.now)?,
        db.stmt(
            "UPDATE members SET
               tags = CASE WHEN ?1 THEN ?2 ELSE tags END,
               enrolled_at = CASE WHEN ?3 THEN ?4 ELSE enrolled_at END,
               birthday = CASE WHEN ?5 THEN ?6 ELSE birthday END,
               email = CASE WHEN ?7 THEN ?8 ELSE email END
             WHERE customer_id = ?9",
            args![
                tags.is_some(),
                tags,
                enrolled_at.is_some(),
                enrolled_at.flatten(),
                birthday.is_some(),
                birthday.flatten(),
                p.email.is_some(),
                p.email.flatten(),
                customer_id
            ],
        )?,
    ];
    match w.commit(stmts).await? {
        Outcome::Done(_) => get(ctx, customer_id).await,
        Outcome::Refused(c) => Err(Error::Internal(format!("member update: {c:?}"))),
        Outcome::Replayed(r) => Ok(r),
    }
}

/// `GET /v1/me/rewards`: every active reward labelled for the shopper, as
/// a shopper sees it (no rule internals).
pub async fn shopper_offers(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    let all = offers(ctx, customer_id, false).await?;
    let lang = ctx.lang();
    let rewards = all.rewards.into_iter().map(|o| o.map(|r| RewardView::of(&r, lang))).collect();
    Reply::json(200, &ShopperOffers { rewards })
}

/// `GET /v1/members/{id}/rewards`: the rewards this member is eligible
/// for, whole.
pub async fn eligible_offers(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    Reply::json(200, &offers(ctx, customer_id, true).await?)
}

/// Each active reward labelled by core for this member. `only_eligible`
/// filters.
async fn offers(ctx: &mut Ctx, customer_id: &str, only_eligible: bool) -> Result<RewardOffers> {
    let program = program::load(ctx).await.ok();
    let catalog = rewards::catalog(ctx).await?;
    let db = ctx.db()?;
    let res = db
        .batch(vec![
            member_stmt(&db, customer_id)?,
            db.stmt(
                "SELECT reward_id, COUNT(*) AS n FROM redemptions WHERE customer_id = ? GROUP BY reward_id",
                args![customer_id],
            )?,
            db.stmt("SELECT reward_id, redeemed_count AS n FROM rewards WHERE total_limit IS NOT NULL", args![])?,
        ])
        .await?;
    let row = rows::<MemberRow>(&res, 0)?.into_iter().next().unwrap_or_else(|| MemberRow::unseen(customer_id, ctx.now));
    let mine: Vec<Count> = rows(&res, 1)?;
    let totals: Vec<Count> = rows(&res, 2)?;
    let count = |v: &[Count], id: &str| v.iter().find(|c| c.reward_id == id).map_or(0, |c| c.n as u32);
    let attrs = row.attributes(program.as_deref(), ctx.now);
    let lang = ctx.lang();
    let rewards = catalog
        .iter()
        .filter(|r| r.active)
        .map(|r| {
            let usage = Usage { by_member: count(&mine, &r.reward_id), total: count(&totals, &r.reward_id) };
            let o = redemption::offer(r, &attrs, row.balance, usage, lang);
            RewardOffer {
                reward: r.clone(),
                eligible: o.eligible,
                affordable: o.affordable,
                points_needed: o.points_needed,
                reason: o.reason,
            }
        })
        .filter(|o| !only_eligible || o.eligible)
        .collect();
    Ok(RewardOffers { rewards })
}

#[derive(Deserialize)]
struct Count {
    reward_id: String,
    n: i64,
}

/// A ledger row as the history shows it.
#[derive(Deserialize)]
struct TransactionRow {
    id: i64,
    kind: String,
    points: i64,
    created_at: i64,
    expires_at: Option<i64>,
    order_id: Option<String>,
    reward_id: Option<String>,
    redemption_id: Option<String>,
    reason: Option<String>,
    cause: String,
    /// A redemption's attributes (JSON), for its debit.
    #[serde(default)]
    attributes: Option<String>,
    /// The names the reward gave them then (JSON), for its debit.
    #[serde(default)]
    attribute_labels: Option<String>,
    /// `attributes`, read (see [`TransactionRow::transaction`]).
    #[serde(skip)]
    said: BTreeMap<String, AttributeValue>,
    /// `attribute_labels`, read.
    #[serde(skip)]
    labels: Vec<(String, String)>,
}

/// The columns of [`TransactionRow`], from `ledger`.
const TRANSACTION_COLUMNS: &str = "id, kind, points, created_at, expires_at, order_id, reward_id, redemption_id, \
     reason, cause, (SELECT r.attributes FROM redemptions r WHERE r.redemption_id = ledger.redemption_id) AS attributes, \
     (SELECT r.attribute_labels FROM redemptions r WHERE r.redemption_id = ledger.redemption_id) AS attribute_labels";

/// The statement that reads back the entry a write makes with `cause`,
/// in the write's own batch, for its answer ([`written_entry`]).
pub fn entry_by_cause(db: &Db, cause: &str) -> Result<worker::D1PreparedStatement> {
    db.stmt(&format!("SELECT {TRANSACTION_COLUMNS} FROM ledger WHERE cause = ?"), args![cause])
}

/// The entry statement `i` of a committed write read back
/// ([`entry_by_cause`]), as the history shows it in `lang`.
pub fn written_entry(done: &Committed, i: usize, lang: Lang) -> Result<Option<Transaction>> {
    done.rows::<TransactionRow>(i)?.into_iter().next().map(|t| t.transaction(lang)).transpose()
}

impl TransactionRow {
    /// The wire form, its description in `lang`.
    fn transaction(mut self, lang: Lang) -> Result<Transaction> {
        let kind = EntryKind::parse(&self.kind).unwrap_or(EntryKind::Adjust);
        self.said = self.attributes.as_deref().map(serde_json::from_str).transpose()?.unwrap_or_default();
        self.labels = self.attribute_labels.as_deref().map(serde_json::from_str).transpose()?.unwrap_or_default();
        let description = self.line(kind).words(lang);
        Ok(Transaction {
            transaction_id: self.id,
            kind,
            points: self.points,
            created_at: Timestamp(self.created_at),
            description,
            order_id: self.order_id,
            reward_id: self.reward_id,
            redemption_id: self.redemption_id,
            expires_at: self.expires_at.map(Timestamp),
        })
    }
}

impl TransactionRow {
    /// What the row is about, from the columns each writer fills: a bonus
    /// names its event in `cause` (`bonus:EVENT:…`, orders.rs; a referral
    /// `referral:ID`), a purchase
    /// or refund its order, a redemption its reward's name in `reason`
    /// (the trigger of migration 0008; "Redeemed: NAME" in entries written
    /// before it), an adjustment the merchant's reason.
    fn line(&self, kind: EntryKind) -> Line<'_> {
        let reason = self.reason.as_deref().unwrap_or(kind.as_str());
        let order = self.order_id.as_deref();
        match kind {
            EntryKind::Earn => {
                // A referrer's points (`referral:ID`, referrals.rs) read as
                // the referral bonus.
                let bonus = if self.cause.starts_with("referral:") {
                    Some(BonusEvent::Referral)
                } else {
                    self.cause.strip_prefix("bonus:").and_then(|c| c.split(':').next()).and_then(BonusEvent::parse)
                };
                match (bonus, order) {
                    (Some(event), _) => Line::Bonus(event),
                    (None, Some(order)) => Line::Purchase(order),
                    (None, None) => Line::Adjustment(reason),
                }
            }
            // Points spent on a checkout code (`checkout:CODE`).
            EntryKind::Redeem if self.cause.starts_with("checkout:") => Line::AtCheckout(order.unwrap_or(reason)),
            EntryKind::Redeem => {
                let name = self.reason.as_deref().map(|r| r.strip_prefix("Redeemed: ").unwrap_or(r));
                let name = name.or(self.reward_id.as_deref()).unwrap_or(reason);
                if self.said.is_empty() {
                    Line::Redemption(name)
                } else {
                    Line::RedemptionWith(name, &self.said, &self.labels)
                }
            }
            // A checkout code's points given back (`return:CODE`).
            EntryKind::Refund if self.cause.starts_with("return:") => Line::Returned(&self.cause["return:".len()..]),
            EntryKind::Refund => order.map_or(Line::Adjustment(reason), Line::Refund),
            EntryKind::Expire => Line::Expiry,
            EntryKind::Adjust => Line::Adjustment(reason),
            EntryKind::Import => Line::Import,
        }
    }
}

/// `GET …/transactions`: newest first, `?limit=` (1–100, default 20) and
/// `?cursor=` (the `next_cursor` of the previous page).
pub async fn transactions(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    let limit = int_param(ctx.query_param("limit").as_deref(), "limit", 20, 1, 100)?;
    let cursor = int_param(ctx.query_param("cursor").as_deref(), "cursor", i64::MAX, 1, i64::MAX)?;
    let rows: Vec<TransactionRow> = ctx
        .db()?
        .all(
            &format!(
                "SELECT {TRANSACTION_COLUMNS} FROM ledger WHERE customer_id = ? AND id < ? ORDER BY id DESC LIMIT ?"
            ),
            args![customer_id, cursor, limit + 1],
        )
        .await?;
    let more = rows.len() as i64 > limit;
    let lang = ctx.lang();
    let transactions: Vec<Transaction> =
        rows.into_iter().take(limit as usize).map(|r| r.transaction(lang)).collect::<Result<_>>()?;
    let next_cursor = if more { transactions.last().map(|t| t.transaction_id.to_string()) } else { None };
    Reply::json(200, &TransactionPage { transactions, next_cursor })
}

/// `POST /v1/members/{id}/adjustments`: a manual correction.
pub async fn adjust(ctx: &mut Ctx, customer_id: &str) -> Result<Reply> {
    let (req, raw): (AdjustmentRequest, _) = ctx.json().await?;
    if req.points == 0 || req.points.unsigned_abs() > 1_000_000_000 {
        return Err(Error::invalid("points", "must be a non-zero integer within ±1000000000"));
    }
    if req.reason.trim().is_empty() || req.reason.len() > 500 {
        return Err(Error::invalid("reason", "must be 1 to 500 characters"));
    }
    let mut w = match Write::begin(ctx, "server", &raw).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    let now = ctx.now;
    let expires_at = if req.points > 0 {
        program::load(ctx).await.ok().and_then(|p| earn::expires_at(&p, now)).map(|t| t.0)
    } else {
        None
    };
    let db = w.db();
    let cause = random_id("adjust");
    let stmts = vec![
        ensure_member(db, customer_id, now)?,
        db.stmt(
            "INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, reason, cause) VALUES (?, 'adjust', ?, ?, ?, ?, ?)",
            args![customer_id, req.points, now.0, expires_at, req.reason.trim(), &cause],
        )?,
        entry_by_cause(db, &cause)?,
    ];
    let done = match w.commit(stmts).await? {
        Outcome::Done(done) => done,
        Outcome::Replayed(r) => return Ok(r),
        Outcome::Refused(Conflict::InsufficientPoints) => {
            let st = load(w.db(), customer_id, now, Ledger::None).await?;
            return Err(Error::refused(loyalty_core::Refusal::InsufficientPoints {
                needed: -req.points,
                shortfall: -req.points - st.row.balance,
            }));
        }
        Outcome::Refused(c) => return Err(Error::Internal(format!("adjustment: {c:?}"))),
    };
    let t = written_entry(&done, 2, ctx.lang())?.ok_or_else(|| Error::Internal("adjustment vanished".into()))?;
    w.finish(Reply::json(201, &t)?).await
}

/// Checks a customer id from a path.
pub fn checked(customer_id: &str) -> Result<&str> {
    check_id("customer_id", customer_id)?;
    Ok(customer_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, reason: Option<&str>, order_id: Option<&str>, cause: &str) -> TransactionRow {
        TransactionRow {
            id: 1,
            kind: kind.into(),
            points: -10,
            created_at: 0,
            expires_at: None,
            order_id: order_id.map(Into::into),
            reward_id: Some("5_OFF".into()),
            redemption_id: None,
            reason: reason.map(Into::into),
            cause: cause.into(),
            attributes: None,
            attribute_labels: None,
            said: BTreeMap::new(),
            labels: Vec::new(),
        }
    }

    /// Lines are worded at read time from the columns, whichever way the
    /// entry was written: before migration 0008 (English reasons) or after
    /// (the reward's name, no reason at all for the others).
    #[test]
    fn history_lines_read_old_and_new_entries_alike() {
        let words = |r: TransactionRow| r.transaction(Lang::Fr).unwrap().description;
        assert_eq!(words(row("redeem", Some("Redeemed: $5 off"), None, "redeem:r1")), "Échange\u{a0}: $5 off");
        assert_eq!(words(row("redeem", Some("$5 off"), None, "redeem:r2")), "Échange\u{a0}: $5 off");
        assert_eq!(words(row("redeem", None, None, "redeem:r3")), "Échange\u{a0}: 5_OFF");
        assert_eq!(words(row("earn", Some("Purchase 1001"), Some("1001"), "order:1001")), "Achat 1001");
        assert_eq!(words(row("earn", None, Some("1001"), "order:1001")), "Achat 1001");
        assert_eq!(words(row("refund", None, Some("1001"), "refund:1001:1")), "Remboursement de la commande 1001");
        assert_eq!(words(row("expire", None, None, "expire:4")), "Points expirés");
        assert_eq!(words(row("earn", None, None, "bonus:signup:c:1")), "Bonus d'inscription");
    }
}
