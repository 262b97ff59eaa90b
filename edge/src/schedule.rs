//! The cron job: pending points become spendable, due points expire, and
//! points about to expire are told to the store. Every step is idempotent:
//! running the job twice changes nothing more.

use loyalty_core::numbers::MAX_SAFE;
use loyalty_core::Timestamp;
use loyalty_core::{earn, ledger};
use serde::Deserialize;

use crate::args;
use crate::db::{changes, Conflict, Db};
use crate::error::Result;
use crate::members;
use std::time::Duration;
use worker::D1PreparedStatement;

/// How long the expiry, and then its warnings, may each run in one
/// invocation of the job: together well inside a scheduled Worker's 30 s
/// of CPU (they mostly wait on D1), leaving room for the other steps.
pub const BUDGET: Duration = Duration::from_secs(10);

/// Members read in one round trip and written in one batch by the expiry
/// and its warnings.
pub const MEMBERS_PER_CHUNK: i64 = 100;

/// Moves due pending points into the ledger. The entry's `cause` (the
/// pending row's own, else pending:<id>) is UNIQUE, so a second run (or a
/// racing one) cannot add them twice. A lot
/// that would take its member past 2^53 - 1 (migration 0006) stays pending
/// rather than stop the others' activation.
pub async fn activate_pending(db: &Db, now: Timestamp) -> Result<usize> {
    let res = db
        .batch(vec![
            db.stmt(
                "INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, order_id, cause)
                 SELECT customer_id, 'earn', points, ?1, expires_at, order_id, COALESCE(cause, 'pending:' || id)
                   FROM pending_points p
                  WHERE available_at <= ?1 AND points > 0
                    AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.cause = COALESCE(p.cause, 'pending:' || p.id))
                    AND NOT EXISTS (SELECT 1 FROM members m WHERE m.customer_id = p.customer_id
                                       AND (m.balance > ?2 - p.points OR m.lifetime_earned > ?2 - p.points))",
                args![now.0, MAX_SAFE],
            )?,
            db.stmt(
                "DELETE FROM pending_points
                  WHERE available_at <= ?
                    AND (points <= 0 OR EXISTS (SELECT 1 FROM ledger l
                                                 WHERE l.cause = COALESCE(pending_points.cause, 'pending:' || pending_points.id)))",
                args![now.0],
            )?,
        ])
        .await?;
    Ok(changes(&res, 0))
}

/// Time since `started` (ms since the epoch). A Worker's clock moves
/// between I/O, which is all these loops wait on.
pub fn elapsed_since(started: u64) -> Duration {
    Duration::from_millis(worker::Date::now().as_millis().saturating_sub(started))
}

#[derive(Deserialize)]
struct Due {
    customer_id: String,
}

/// Members whose lots are due (or, with a `window`, about to be) and not
/// yet settled, after `cursor`, in customer id order.
async fn due_members(db: &Db, sql: &str, args: &[crate::db::Arg]) -> Result<Vec<String>> {
    Ok(db.all::<Due>(sql, args).await?.into_iter().map(|d| d.customer_id).collect())
}

/// Expires due lots, a chunk of members at a time, until none is left or
/// `budget` has passed: each chunk is read in one round trip and written
/// in one batch whose guards (`lot_closures_guard`) compare each member's
/// version with the one its expiry was computed from. A chunk refused
/// because one member changed meanwhile is done again member by member,
/// so only that member waits for the next run. A member that cannot be
/// processed is named in `errors` and skipped: the others still expire.
/// Returns how many members were processed.
pub async fn expire_due(db: &Db, now: Timestamp, budget: Duration, errors: &mut Vec<String>) -> Result<usize> {
    let started = worker::Date::now().as_millis();
    let mut cursor = String::new();
    let mut done = 0;
    while elapsed_since(started) < budget {
        let ids = due_members(
            db,
            "SELECT DISTINCT customer_id FROM ledger l
              WHERE expires_at IS NOT NULL AND expires_at <= ?1 AND points > 0 AND customer_id > ?2
                AND NOT EXISTS (SELECT 1 FROM lot_closures c WHERE c.lot_id = l.id)
              ORDER BY customer_id
              LIMIT ?3",
            args![now.0, cursor.as_str(), MEMBERS_PER_CHUNK],
        )
        .await?;
        let Some(last) = ids.last() else { break };
        cursor = last.clone();
        // A chunk that cannot be read (a member whose figures no read can
        // hold) or written is done member by member: only that member
        // waits, and the log names it.
        let Ok(members) = members::load_many_for_expiry(db, &ids, now).await else {
            done += expire_each(db, &ids, now, errors).await;
            continue;
        };
        let (mut closures, mut expiries) = (Vec::new(), Vec::new());
        for (st, lot_ids) in &members {
            let (c, e) = expiry_of(st, lot_ids, now);
            closures.extend(c);
            expiries.extend(e);
        }
        if closures.is_empty() {
            continue;
        }
        match db.try_batch(expiry_stmts(db, &closures, &expiries, now)?).await? {
            Ok(_) => done += members.iter().filter(|(_, lots)| !lots.is_empty()).count(),
            Err(_) => done += expire_each(db, &ids, now, errors).await,
        }
    }
    Ok(done)
}

/// Expires the members `ids` one by one, naming each failure in `errors`;
/// how many were processed.
async fn expire_each(db: &Db, ids: &[String], now: Timestamp, errors: &mut Vec<String>) -> usize {
    let mut done = 0;
    for id in ids {
        match expire_member(db, id, now).await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(e) => errors.push(format!("expiry of {id}: {e}")),
        }
    }
    done
}

/// A closure of a lot: `(lot_id, customer_id, expected_version, points)`.
type Closure = (i64, String, i64, i64);
/// An expiry entry: `(customer_id, points, lot_id)`.
type Expiry = (String, i64, i64);

/// What core says expires of a member's due lots `lot_ids`: a closure
/// for each lot (recording what was left of it, maybe nothing), and an
/// `expire` entry for each lot that still held points.
fn expiry_of(st: &members::MemberState, lot_ids: &[i64], now: Timestamp) -> (Vec<Closure>, Vec<Expiry>) {
    let expiring = ledger::due_expirations(&st.entries, now);
    let id = &st.row.customer_id;
    let closures = lot_ids
        .iter()
        .map(|&lot| {
            let points = expiring.iter().find(|e| e.lot_id == lot).map_or(0, |e| e.points);
            (lot, id.clone(), st.row.version, points)
        })
        .collect();
    let expiries = expiring
        .iter()
        .filter(|e| e.points > 0 && lot_ids.contains(&e.lot_id))
        .map(|e| (id.clone(), -e.points, e.lot_id))
        .collect();
    (closures, expiries)
}

/// Closures first: their guard compares the version read, which the
/// expire entries after them bump.
fn expiry_stmts(
    db: &Db,
    closures: &[Closure],
    expiries: &[Expiry],
    now: Timestamp,
) -> Result<Vec<D1PreparedStatement>> {
    let mut stmts = vec![db.stmt(
        "INSERT INTO lot_closures (lot_id, customer_id, expected_version, points, closed_at)
         SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, ?2 FROM json_each(?1) j",
        args![serde_json::to_string(closures)?, now.0],
    )?];
    if !expiries.is_empty() {
        stmts.push(db.stmt(
            "INSERT INTO ledger (customer_id, kind, points, created_at, lot_id, cause)
             SELECT j.value ->> 0, 'expire', j.value ->> 1, ?2, j.value ->> 2, 'expire:' || (j.value ->> 2)
               FROM json_each(?1) j",
            args![serde_json::to_string(expiries)?, now.0],
        )?);
    }
    Ok(stmts)
}

/// Expires one member's due lots; whether anything was written.
async fn expire_member(db: &Db, customer_id: &str, now: Timestamp) -> Result<bool> {
    let (st, lot_ids) = members::load_for_expiry(db, customer_id, now).await?;
    let (closures, expiries) = expiry_of(&st, &lot_ids, now);
    if closures.is_empty() {
        return Ok(false);
    }
    match db.try_batch(expiry_stmts(db, &closures, &expiries, now)?).await? {
        Ok(_) => Ok(true),
        Err(Conflict::StaleMember | Conflict::Duplicate { .. } | Conflict::InsufficientPoints) => Ok(false),
        Err(c) => Err(crate::error::Error::Internal(format!("expiry: {c:?}"))),
    }
}

#[derive(Deserialize)]
struct WarningDays {
    days: Option<i64>,
}

/// Tells the store (`points.expiring_soon`) of every lot that will expire
/// within the program's `expiry_warning_days`, once: each warning is a row
/// of `lot_warnings` (its trigger writes the event), keyed by the lot.
/// A chunk of members at a time, like expiry; returns how many lots were
/// told of.
pub async fn warn_expiring(db: &Db, now: Timestamp, budget: Duration, errors: &mut Vec<String>) -> Result<usize> {
    let days = db
        .first::<WarningDays>(
            "SELECT COALESCE(json_extract(body, '$.expiry_warning_days'), ?) AS days FROM program WHERE id = 1",
            args![i64::from(loyalty_core::program::DEFAULT_EXPIRY_WARNING_DAYS)],
        )
        .await?
        .and_then(|w| w.days)
        .unwrap_or(0);
    if days <= 0 {
        return Ok(0);
    }
    let window = days * 86_400;
    let started = worker::Date::now().as_millis();
    let mut cursor = String::new();
    let mut told = 0;
    while elapsed_since(started) < budget {
        let ids = due_members(
            db,
            "SELECT DISTINCT customer_id FROM ledger l
              WHERE expires_at IS NOT NULL AND expires_at > ?1 AND expires_at <= ?1 + ?2 AND points > 0
                AND customer_id > ?3
                AND NOT EXISTS (SELECT 1 FROM lot_warnings w WHERE w.lot_id = l.id)
              ORDER BY customer_id
              LIMIT ?4",
            args![now.0, window, cursor.as_str(), MEMBERS_PER_CHUNK],
        )
        .await?;
        let Some(last) = ids.last() else { break };
        cursor = last.clone();
        // (lot_id, customer_id, points, expires_at): what is left of each
        // lot, by core's replay of the member's ledger.
        let mut lots: Vec<(i64, String, i64, i64)> = Vec::new();
        let members = match members::load_many_for_expiry(db, &ids, now).await {
            Ok(m) => m,
            // As in expiry: a chunk that cannot be read, member by member.
            Err(_) => {
                let mut each = Vec::new();
                for id in &ids {
                    match members::load_for_expiry(db, id, now).await {
                        Ok(m) => each.push(m),
                        Err(e) => errors.push(format!("expiry warning of {id}: {e}")),
                    }
                }
                each
            }
        };
        for (st, _) in members {
            lots.extend(
                ledger::expiring_within(&st.entries, now, window)
                    .into_iter()
                    .filter_map(|l| Some((l.entry_id, st.row.customer_id.clone(), l.remaining, l.expires_at?.0))),
            );
        }
        if lots.is_empty() {
            continue;
        }
        // A lot told of before is ignored (its primary key); the trigger
        // makes the event of each lot told of now.
        let res = db
            .batch(vec![db.stmt(
                "INSERT OR IGNORE INTO lot_warnings (lot_id, customer_id, points, expires_at, warned_at)
                 SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, ?2 FROM json_each(?1) j",
                args![serde_json::to_string(&lots)?, now.0],
            )?])
            .await;
        match res {
            Ok(_) => told += lots.iter().filter(|l| l.2 > 0).count(),
            Err(e) => errors.push(format!("expiry warnings after {cursor}: {e}")),
        }
    }
    Ok(told)
}

#[derive(Deserialize)]
struct ProgramBody {
    body: String,
}

/// The program as D1 holds it (the scheduled job has no request, so no
/// KV snapshot memoised with one); `None` before one is configured.
pub async fn stored_program(db: &Db) -> Result<Option<loyalty_core::program::Program>> {
    let Some(row) = db.first::<ProgramBody>("SELECT body FROM program WHERE id = 1", args![]).await? else {
        return Ok(None);
    };
    loyalty_core::program::Program::from_json(&row.body)
        .map(Some)
        .map_err(|e| crate::error::Error::Internal(format!("stored program is invalid: {e}")))
}

#[derive(Deserialize)]
struct BirthdayRow {
    customer_id: String,
    birthday: String,
    claims: i64,
    claimed: String,
}

/// Grants the program's birthday bonus on the member's birthday (UTC),
/// without a call from the store: the members whose birthday
/// `earn::birthday_due` says is due today (or at most a week ago, for a
/// job that was stopped), a chunk at a time, until none is left or
/// `budget` has passed. Each grant is a `bonus_claims` row keyed by the
/// birthday's year (unique per member and year, migration 0001) and its
/// `earn` entry, written only for a claim this run made, so a second or
/// racing run, or a store that sent the birthday event itself this year,
/// grants nothing more. Returns how many bonuses were granted.
pub async fn grant_birthdays(db: &Db, now: Timestamp, budget: Duration, errors: &mut Vec<String>) -> Result<usize> {
    let Some(program) = stored_program(db).await? else {
        return Ok(0);
    };
    if program.bonus(loyalty_core::program::BonusEvent::Birthday).is_none() {
        return Ok(0);
    }
    let today = now.date();
    let month_days = serde_json::to_string(&earn::birthday_month_days(today))?;
    let expires_at = earn::expires_at(&program, now).map(|t| t.0);
    let started = worker::Date::now().as_millis();
    let mut cursor = String::new();
    let mut granted = 0;
    while elapsed_since(started) < budget {
        // Candidates by month and day (index `members_birthday`), with
        // how many birthday bonuses each has had and the years of them.
        let rows: Vec<BirthdayRow> = db
            .all(
                "SELECT m.customer_id, m.birthday,
                        (SELECT COUNT(*) FROM bonus_claims b WHERE b.customer_id = m.customer_id AND b.event = 'birthday') AS claims,
                        (SELECT json_group_array(year) FROM bonus_claims b WHERE b.customer_id = m.customer_id AND b.event = 'birthday') AS claimed
                   FROM members m
                  WHERE substr(m.birthday, 6) IN (SELECT value FROM json_each(?1)) AND m.birthday IS NOT NULL
                    AND m.customer_id > ?2
                  ORDER BY m.customer_id
                  LIMIT ?3",
                args![month_days.as_str(), cursor.as_str(), MEMBERS_PER_CHUNK],
            )
            .await?;
        let Some(last) = rows.last() else { break };
        cursor = last.customer_id.clone();
        // (customer_id, year, seq, points): core decides each grant.
        let mut grants: Vec<(String, i32, i64, i64)> = Vec::new();
        for r in &rows {
            let Some(occurrence) =
                loyalty_core::timestamp::parse_date(&r.birthday).and_then(|b| earn::birthday_due(b, today))
            else {
                continue;
            };
            let claimed: Vec<i32> = serde_json::from_str(&r.claimed).unwrap_or_default();
            let prior = u32::try_from(r.claims).unwrap_or(u32::MAX);
            let this_year = claimed.contains(&occurrence.year());
            if let Some(points) =
                earn::bonus_points(&program, loyalty_core::program::BonusEvent::Birthday, prior, this_year)
            {
                grants.push((r.customer_id.clone(), occurrence.year(), r.claims + 1, points));
            }
        }
        if grants.is_empty() {
            continue;
        }
        match db.batch(birthday_stmts(db, &grants, now, expires_at)?).await {
            Ok(r) => granted += changes(&r, 1),
            // One member a guard refuses (its figures would leave the safe
            // range) must not hold back the others: one by one.
            Err(_) => {
                for g in &grants {
                    match db.batch(birthday_stmts(db, std::slice::from_ref(g), now, expires_at)?).await {
                        Ok(r) => granted += changes(&r, 1),
                        Err(e) => errors.push(format!("birthday bonus of {}: {e}", g.0)),
                    }
                }
            }
        }
    }
    Ok(granted)
}

/// The claims of `grants` (`(customer_id, year, seq, points)`), then the
/// entry of each claim this batch wrote: its time is this run's, and no
/// entry has its cause yet.
fn birthday_stmts(
    db: &Db,
    grants: &[(String, i32, i64, i64)],
    now: Timestamp,
    expires_at: Option<i64>,
) -> Result<Vec<D1PreparedStatement>> {
    let json = serde_json::to_string(grants)?;
    Ok(vec![
        db.stmt(
            "INSERT INTO bonus_claims (customer_id, event, seq, event_id, year, created_at)
             SELECT j.value ->> 0, 'birthday', j.value ->> 2, NULL, j.value ->> 1, ?2 FROM json_each(?1) j WHERE true
             ON CONFLICT DO NOTHING",
            args![json.as_str(), now.0],
        )?,
        db.stmt(
            "INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, cause)
             SELECT b.customer_id, 'earn', j.value ->> 3, ?2, ?3, 'bonus:birthday:' || b.customer_id || ':' || b.seq
               FROM json_each(?1) j
               JOIN bonus_claims b ON b.customer_id = j.value ->> 0 AND b.event = 'birthday'
                                  AND b.seq = j.value ->> 2 AND b.year = j.value ->> 1 AND b.created_at = ?2
              WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.cause = 'bonus:birthday:' || b.customer_id || ':' || b.seq)",
            args![json.as_str(), now.0, expires_at],
        )?,
    ])
}
