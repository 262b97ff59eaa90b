//! The cron job: pending points become spendable, due points expire, and
//! points about to expire are told to the store. Every step is idempotent:
//! running the job twice changes nothing more.

use loyalty_core::ledger;
use loyalty_core::numbers::MAX_SAFE;
use loyalty_core::Timestamp;
use serde::Deserialize;

use crate::args;
use crate::db::{changes, Conflict, Db};
use crate::error::Result;
use crate::members;

/// Members handled per run; the rest wait for the next minute.
const MEMBERS_PER_RUN: i64 = 200;

/// Moves due pending points into the ledger. `cause` = pending:<id> is
/// UNIQUE, so a second run (or a racing one) cannot add them twice. A lot
/// that would take its member past 2^53 - 1 (migration 0006) stays pending
/// rather than stop the others' activation.
pub async fn activate_pending(db: &Db, now: Timestamp) -> Result<usize> {
    let res = db
        .batch(vec![
            db.stmt(
                "INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, order_id, cause)
                 SELECT customer_id, 'earn', points, ?1, expires_at, order_id, 'pending:' || id
                   FROM pending_points p
                  WHERE available_at <= ?1 AND points > 0
                    AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.cause = 'pending:' || p.id)
                    AND NOT EXISTS (SELECT 1 FROM members m WHERE m.customer_id = p.customer_id
                                       AND (m.balance > ?2 - p.points OR m.lifetime_earned > ?2 - p.points))",
                args![now.0, MAX_SAFE],
            )?,
            db.stmt(
                "DELETE FROM pending_points
                  WHERE available_at <= ?
                    AND (points <= 0 OR EXISTS (SELECT 1 FROM ledger l WHERE l.cause = 'pending:' || pending_points.id))",
                args![now.0],
            )?,
        ])
        .await?;
    Ok(changes(&res, 0))
}

#[derive(Deserialize)]
struct Due {
    customer_id: String,
}

/// Expires due lots, member by member. Each member's write is guarded by
/// the version it was computed from; a member that changed meanwhile is
/// left for the next run. A member that cannot be processed is named in
/// `errors` and skipped: the others still expire. Returns how many members
/// were processed.
pub async fn expire_due(db: &Db, now: Timestamp, errors: &mut Vec<String>) -> Result<usize> {
    let due: Vec<Due> = db
        .all(
            "SELECT DISTINCT customer_id FROM ledger l
              WHERE expires_at IS NOT NULL AND expires_at <= ? AND points > 0
                AND NOT EXISTS (SELECT 1 FROM lot_closures c WHERE c.lot_id = l.id)
              ORDER BY customer_id
              LIMIT ?",
            args![now.0, MEMBERS_PER_RUN],
        )
        .await?;
    let mut done = 0;
    for d in due {
        match expire_member(db, &d.customer_id, now).await {
            Ok(true) => done += 1,
            Ok(false) => {}
            Err(e) => errors.push(format!("expiry of {}: {e}", d.customer_id)),
        }
    }
    Ok(done)
}

/// Expires one member's due lots; whether anything was written.
async fn expire_member(db: &Db, customer_id: &str, now: Timestamp) -> Result<bool> {
    let (st, lot_ids) = members::load_for_expiry(db, customer_id, now).await?;
    let expiring = ledger::due_expirations(&st.entries, now);
    let mut stmts = Vec::new();
    // Closures first: their guard compares the version read above, which
    // the expire entries below will bump.
    for &lot in &lot_ids {
        let points = expiring.iter().find(|e| e.lot_id == lot).map_or(0, |e| e.points);
        stmts.push(db.stmt(
            "INSERT INTO lot_closures (lot_id, customer_id, expected_version, points, closed_at) VALUES (?, ?, ?, ?, ?)",
            args![lot, customer_id, st.row.version, points, now.0],
        )?);
    }
    for e in expiring.iter().filter(|e| e.points > 0 && lot_ids.contains(&e.lot_id)) {
        stmts.push(db.stmt(
            "INSERT INTO ledger (customer_id, kind, points, created_at, lot_id, cause) VALUES (?, 'expire', ?, ?, ?, ?)",
            args![customer_id, -e.points, now.0, e.lot_id, format!("expire:{}", e.lot_id)],
        )?);
    }
    if stmts.is_empty() {
        return Ok(false);
    }
    match db.try_batch(stmts).await? {
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
/// Member by member, like expiry; returns how many lots were told of.
pub async fn warn_expiring(db: &Db, now: Timestamp, errors: &mut Vec<String>) -> Result<usize> {
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
    let due: Vec<Due> = db
        .all(
            "SELECT DISTINCT customer_id FROM ledger l
              WHERE expires_at IS NOT NULL AND expires_at > ?1 AND expires_at <= ?1 + ?2 AND points > 0
                AND NOT EXISTS (SELECT 1 FROM lot_warnings w WHERE w.lot_id = l.id)
              ORDER BY customer_id
              LIMIT ?3",
            args![now.0, window, MEMBERS_PER_RUN],
        )
        .await?;
    let mut told = 0;
    for d in due {
        match warn_member(db, &d.customer_id, now, window).await {
            Ok(n) => told += n,
            Err(e) => errors.push(format!("expiry warning of {}: {e}", d.customer_id)),
        }
    }
    Ok(told)
}

async fn warn_member(db: &Db, customer_id: &str, now: Timestamp, window: i64) -> Result<usize> {
    let (st, _) = members::load_for_expiry(db, customer_id, now).await?;
    let lots: Vec<(i64, i64, Timestamp)> = ledger::expiring_within(&st.entries, now, window)
        .into_iter()
        .filter_map(|l| Some((l.entry_id, l.remaining, l.expires_at?)))
        .collect();
    if lots.is_empty() {
        return Ok(0);
    }
    let stmts = lots
        .iter()
        .map(|(lot, points, at)| {
            db.stmt(
                "INSERT OR IGNORE INTO lot_warnings (lot_id, customer_id, points, expires_at, warned_at) VALUES (?, ?, ?, ?, ?)",
                args![*lot, customer_id, *points, at.0, now.0],
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let res = db.batch(stmts).await?;
    Ok(lots.iter().enumerate().filter(|(i, (_, points, _))| *points > 0 && changes(&res, *i) > 0).count())
}
