//! The cron job: pending points become spendable, due points expire.
//! Both steps are idempotent: running the job twice changes nothing more.

use loyalty_core::ledger;
use loyalty_core::Timestamp;
use serde::Deserialize;

use crate::args;
use crate::db::{changes, Conflict, Db};
use crate::error::Result;
use crate::members;

/// Members handled per run; the rest wait for the next minute.
const MEMBERS_PER_RUN: i64 = 200;

/// Moves due pending points into the ledger. `cause` = pending:<id> is
/// UNIQUE, so a second run (or a racing one) cannot add them twice.
pub async fn activate_pending(db: &Db, now: Timestamp) -> Result<usize> {
    let res = db
        .batch(vec![
            db.stmt(
                "INSERT INTO ledger (customer_id, kind, points, created_at, expires_at, order_id, reason, cause)
                 SELECT customer_id, 'earn', points, ?1, expires_at, order_id,
                        'Purchase ' || COALESCE(order_id, ''), 'pending:' || id
                   FROM pending_points p
                  WHERE available_at <= ?1 AND points > 0
                    AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.cause = 'pending:' || p.id)",
                args![now.0],
            )?,
            db.stmt("DELETE FROM pending_points WHERE available_at <= ?", args![now.0])?,
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
/// left for the next run. Returns how many members were processed.
pub async fn expire_due(db: &Db, now: Timestamp) -> Result<usize> {
    let due: Vec<Due> = db
        .all(
            "SELECT DISTINCT customer_id FROM ledger l
              WHERE expires_at IS NOT NULL AND expires_at <= ? AND points > 0
                AND NOT EXISTS (SELECT 1 FROM lot_closures c WHERE c.lot_id = l.id)
              LIMIT ?",
            args![now.0, MEMBERS_PER_RUN],
        )
        .await?;
    let mut done = 0;
    for d in due {
        let (st, lot_ids) = members::load_for_expiry(db, &d.customer_id, now).await?;
        let expiring = ledger::due_expirations(&st.entries, now);
        let mut stmts = Vec::new();
        // Closures first: their guard compares the version read above, which
        // the expire entries below will bump.
        for &lot in &lot_ids {
            let points = expiring.iter().find(|e| e.lot_id == lot).map_or(0, |e| e.points);
            stmts.push(db.stmt(
                "INSERT INTO lot_closures (lot_id, customer_id, expected_version, points, closed_at) VALUES (?, ?, ?, ?, ?)",
                args![lot, &d.customer_id, st.row.version, points, now.0],
            )?);
        }
        for e in expiring.iter().filter(|e| e.points > 0 && lot_ids.contains(&e.lot_id)) {
            stmts.push(db.stmt(
                "INSERT INTO ledger (customer_id, kind, points, created_at, lot_id, reason, cause) VALUES (?, 'expire', ?, ?, ?, ?, ?)",
                args![&d.customer_id, -e.points, now.0, e.lot_id, "Points expired", format!("expire:{}", e.lot_id)],
            )?);
        }
        if stmts.is_empty() {
            continue;
        }
        match db.try_batch(stmts).await? {
            Ok(_) => done += 1,
            Err(Conflict::StaleMember | Conflict::Duplicate { .. } | Conflict::InsufficientPoints) => {}
            Err(c) => return Err(crate::error::Error::Internal(format!("expiry: {c:?}"))),
        }
    }
    Ok(done)
}
