//! The scheduled review of members' tiers (shared/API.md "Tiers over a
//! window"): with a window, each member's progress in it recomputed, the
//! tier held through its grace and moved (core's `tier::windowed`), each
//! move told as `tier.changed`; with or without a window, the entry
//! reward of each tier a member reaches, given free once
//! (`reward_grants`, cause `tier:MEMBER_KEY:TIER`).
//!
//! Members are reviewed when their ledger moved since the last review
//! (`version <> tier_reviewed`, a partial index) and, with a window, once a
//! day whatever they did (a window slides without any write). A chunk of
//! 100 members is one read batch and one write batch; a member whose
//! ledger moved between the two is left for the next run (the write is
//! guarded by the version read).

use std::time::Duration;

use loyalty_core::program::{Program, TierBasis, TierWindow};
use loyalty_core::reward::Reward;
use loyalty_core::tier::{self, Held};
use loyalty_core::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::args;
use crate::db::{rows, Db};
use crate::error::Result;
use crate::http::random_id;
use crate::members::{MemberRow, MEMBER_COLUMNS};
use crate::redemptions::{coupon_stmt, Issuer};
use crate::rewards;
use crate::schedule::{elapsed_since, stored_program, MEMBERS_PER_CHUNK};

#[derive(Deserialize)]
struct Id {
    customer_id: String,
}

#[derive(Deserialize)]
struct Progress {
    customer_id: String,
    progress: Option<i64>,
}

#[derive(Deserialize)]
struct Body {
    body: String,
}

/// Reviews members until none is due or `budget` has passed; returns how
/// many were reviewed.
pub async fn review(db: &Db, now: Timestamp, budget: Duration, errors: &mut Vec<String>) -> Result<usize> {
    let Some(program) = stored_program(db).await? else { return Ok(0) };
    let windowed = program.tier_window != TierWindow::Lifetime;
    let entry_ids: Vec<&str> = program.tiers.iter().filter_map(|t| t.entry_reward_id.as_deref()).collect();
    if !windowed && entry_ids.is_empty() {
        return Ok(0);
    }
    // The entry rewards, whole (their coupons are issued as redemptions' are).
    let mut entry_rewards: Vec<Reward> = Vec::new();
    if !entry_ids.is_empty() {
        let bodies: Vec<Body> = db
            .all(
                "SELECT body FROM rewards WHERE reward_id IN (SELECT value FROM json_each(?)) AND active = 1",
                args![serde_json::to_string(&entry_ids)?],
            )
            .await?;
        for b in bodies {
            entry_rewards.push(rewards::parse(&b.body)?);
        }
    }
    let day_start = Timestamp(now.date().midnight().assume_utc().unix_timestamp());
    let started = worker::Date::now().as_millis();
    let mut reviewed = 0;
    // Members whose ledger moved, then (with a window) those not reviewed
    // today; each by customer id after a cursor.
    let mut phases = vec![
        "SELECT customer_id FROM members WHERE version <> tier_reviewed AND customer_id > ?1 ORDER BY customer_id LIMIT ?2",
    ];
    if windowed {
        phases.push(
            "SELECT customer_id FROM members WHERE (tier_reviewed_at IS NULL OR tier_reviewed_at < ?3)
               AND customer_id > ?1 ORDER BY customer_id LIMIT ?2",
        );
    }
    for (i, sql) in phases.into_iter().enumerate() {
        let mut cursor = String::new();
        while elapsed_since(started) < budget {
            // D1 wants as many values as the statement names.
            let ids: Vec<Id> = if i == 0 {
                db.all(sql, args![cursor.as_str(), MEMBERS_PER_CHUNK]).await?
            } else {
                db.all(sql, args![cursor.as_str(), MEMBERS_PER_CHUNK, day_start.0]).await?
            };
            let Some(last) = ids.last() else { break };
            cursor = last.customer_id.clone();
            let ids: Vec<String> = ids.into_iter().map(|i| i.customer_id).collect();
            match review_chunk(db, &program, &entry_rewards, &ids, now).await {
                Ok(n) => reviewed += n,
                Err(e) => errors.push(format!("tier review of {} members from {}: {e}", ids.len(), ids[0])),
            }
        }
    }
    Ok(reviewed)
}

/// Reviews the members `ids`: one read batch, one write batch.
async fn review_chunk(
    db: &Db,
    program: &Program,
    entry_rewards: &[Reward],
    ids: &[String],
    now: Timestamp,
) -> Result<usize> {
    let list = serde_json::to_string(ids)?;
    let since = tier::window_start(program.tier_window, now);
    let mut reads = vec![db.stmt(
        &format!(
            "SELECT {MEMBER_COLUMNS}, member_key FROM members WHERE customer_id IN (SELECT value FROM json_each(?))"
        ),
        args![list.as_str()],
    )?];
    if let Some(since) = since {
        reads.push(match program.tier_basis {
            TierBasis::LifetimePoints => db.stmt(
                "SELECT customer_id, SUM(points) AS progress FROM ledger
                  WHERE customer_id IN (SELECT value FROM json_each(?1)) AND created_at >= ?2
                    AND (kind IN ('earn', 'import') OR (kind = 'refund' AND points < 0))
                  GROUP BY customer_id",
                args![list.as_str(), since.0],
            )?,
            TierBasis::LifetimeSpend => db.stmt(
                "SELECT customer_id, SUM(amount_minor - refunded_minor) AS progress FROM orders
                  WHERE customer_id IN (SELECT value FROM json_each(?1)) AND occurred_at >= ?2
                  GROUP BY customer_id",
                args![list.as_str(), since.0],
            )?,
        });
    }
    let res = db.batch(reads).await?;
    let members = rows::<MemberRow>(&res, 0)?;
    let progress = if since.is_some() { rows::<Progress>(&res, 1)? } else { Vec::new() };

    // [customer_id, version, tier_held, tier_below_since, tier_progress]
    let mut updates = Vec::new();
    // [customer_id, version, from, to, direction]
    let mut moves = Vec::new();
    // (grant_id, customer_id, version, member_key, tier, reward)
    let mut grants: Vec<(String, &str, i64, &str, &str, &Reward)> = Vec::new();
    for m in &members {
        let (progress, held) = match since {
            Some(_) => {
                let p = progress.iter().find(|p| p.customer_id == m.customer_id).and_then(|p| p.progress).unwrap_or(0);
                (p, tier::windowed(program, &m.held(), p, now).1)
            }
            None => {
                let p = tier::lifetime_progress(program, m.lifetime_earned, m.lifetime_spend_minor);
                (p, Held { tier: tier::tier_for(&program.tiers, p).map(|t| t.name.clone()), below_since: None })
            }
        };
        // A member never reviewed held the lowest tier: their first
        // review is a move only if it finds them above it.
        let before = m.tier_held.clone().or_else(|| program.tiers.first().map(|t| t.name.clone()));
        if let Some(direction) = since.and(tier::direction(program, before.as_deref(), held.tier.as_deref())) {
            moves.push(json!([m.customer_id, m.version, before, held.tier, direction]));
        }
        for t in tier::entry_rewards(program, m.tier_held.as_deref(), held.tier.as_deref()) {
            if let Some(r) = entry_rewards.iter().find(|r| Some(r.reward_id.as_str()) == t.entry_reward_id.as_deref()) {
                let key = m.member_key.as_deref().unwrap_or(&m.customer_id);
                grants.push((random_id("grt"), &m.customer_id, m.version, key, &t.name, r));
            }
        }
        updates.push(json!([m.customer_id, m.version, held.tier, held.below_since.map(|t| t.0), progress]));
    }
    // Each statement acts only for members whose review this batch wrote
    // (same version read, reviewed at this instant).
    let mut stmts = vec![
        db.stmt(
            "UPDATE members SET tier_held = j.value ->> 2, tier_below_since = j.value ->> 3, tier_progress = j.value ->> 4,
                                tier_reviewed = version, tier_reviewed_at = ?2
               FROM json_each(?1) j
              WHERE members.customer_id = j.value ->> 0 AND members.version = j.value ->> 1",
            args![serde_json::to_string(&updates)?, now.0],
        )?,
        db.stmt(
            "INSERT INTO events (event_id, type, customer_id, data, created_at)
             SELECT 'evt_' || lower(hex(randomblob(10))), 'tier.changed', m.customer_id,
                    json_patch(json_object('customer_id', m.customer_id, 'direction', j.value ->> 4),
                               json_object('from', j.value ->> 2, 'to', j.value ->> 3)),
                    ?2
               FROM json_each(?1) j
               JOIN members m ON m.customer_id = j.value ->> 0 AND m.tier_reviewed = j.value ->> 1
                             AND m.tier_reviewed_at = ?2
              WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE active = 1)",
            args![serde_json::to_string(&moves)?, now.0],
        )?,
    ];
    for (grant_id, customer_id, version, member_key, tier_name, reward) in &grants {
        stmts.push(db.stmt(
            "INSERT INTO reward_grants (grant_id, customer_id, reward_id, cause, created_at)
             SELECT ?1, m.customer_id, ?2, ?3, ?4 FROM members m
              WHERE m.customer_id = ?5 AND m.tier_reviewed = ?6 AND m.tier_reviewed_at = ?4
             ON CONFLICT (cause) DO NOTHING",
            args![
                grant_id.as_str(),
                reward.reward_id.as_str(),
                format!("tier:{member_key}:{tier_name}"),
                now.0,
                *customer_id,
                *version
            ],
        )?);
        stmts.push(coupon_stmt(db, reward, Issuer::Grant(grant_id), customer_id, now)?);
    }
    db.batch(stmts).await?;
    Ok(members.len())
}
