//! `GET /v1/analytics/summary`: one round trip over the daily figures the
//! schema keeps as the ledger, members, orders and redemptions are written
//! (migration 0017); core checks the range and makes the summary.

use loyalty_core::analytics;
use loyalty_core::timestamp::format_date;
use loyalty_core::wire::{AnalyticsDay, AnalyticsSummary, TierMembers, TopReward};
use serde::Deserialize;

use crate::args;
use crate::db::rows;
use crate::error::Result;
use crate::http::{Ctx, Reply};
use crate::program;

#[derive(Deserialize)]
struct Count {
    n: Option<i64>,
}

#[derive(Deserialize)]
struct Overall {
    outstanding: Option<i64>,
    members: Option<i64>,
}

/// `GET /v1/analytics/summary?from=YYYY-MM-DD&to=YYYY-MM-DD`.
pub async fn summary(ctx: &mut Ctx) -> Result<Reply> {
    let (from, to) = analytics::range(ctx.query_param("from").as_deref(), ctx.query_param("to").as_deref())?;
    let (f, t) = (format_date(from), format_date(to));
    let program = program::load(ctx).await.ok();
    let db = ctx.db()?;
    let res = db
        .batch(vec![
            db.stmt(
                "SELECT day AS date, points_issued, points_redeemed, points_expired, redemptions, new_members,
                        purchases, purchase_amount_minor
                   FROM stats_daily WHERE day BETWEEN ?1 AND ?2 ORDER BY day",
                args![&f, &t],
            )?,
            db.stmt(
                "SELECT COUNT(DISTINCT customer_id) AS n FROM stats_active WHERE day BETWEEN ?1 AND ?2",
                args![&f, &t],
            )?,
            db.stmt("SELECT SUM(points_net) AS outstanding, SUM(new_members) AS members FROM stats_daily", args![])?,
            db.stmt(
                "SELECT s.reward_id, COALESCE(json_extract(r.body, '$.name'), s.reward_id) AS name,
                        SUM(s.redemptions) AS redemptions
                   FROM stats_rewards s LEFT JOIN rewards r ON r.reward_id = s.reward_id
                  WHERE s.day BETWEEN ?1 AND ?2
                  GROUP BY s.reward_id ORDER BY redemptions DESC, s.reward_id LIMIT 10",
                args![&f, &t],
            )?,
            // Each member's tier as `GET /v1/me` shows it: by the program's
            // thresholds (the `tiers` rows, as the `tier.changed` trigger
            // reads them) over the member's lifetime or, with a window, the
            // tier the window's progress reaches or the tier held while its
            // grace lasts, whichever is higher (core's `tier::windowed`).
            db.stmt(
                "SELECT t.name, COUNT(h.threshold) AS members
                   FROM tiers t LEFT JOIN (
                        SELECT CASE WHEN ?1 = 'lifetime' THEN
                                 (SELECT MAX(x.threshold) FROM tiers x
                                   WHERE x.threshold <= CASE x.basis WHEN 'lifetime_spend'
                                                          THEN m.lifetime_spend_minor ELSE m.lifetime_earned END)
                               ELSE MAX(
                                 COALESCE((SELECT MAX(x.threshold) FROM tiers x WHERE x.threshold <= m.tier_progress), -1),
                                 CASE WHEN (m.tier_below_since IS NULL AND ?2 > 0) OR m.tier_below_since + ?2 > ?3
                                      THEN COALESCE((SELECT x.threshold FROM tiers x WHERE x.name = m.tier_held), -1)
                                      ELSE -1 END)
                               END AS threshold
                          FROM members m) h ON h.threshold = t.threshold
                  GROUP BY t.threshold, t.name ORDER BY t.threshold",
                args![
                    program.as_ref().map_or("lifetime", |p| p.tier_window.as_str()),
                    program.as_ref().map_or(0, |p| i64::from(p.tier_grace_days) * 86_400),
                    ctx.now.0
                ],
            )?,
        ])
        .await?;
    let known = rows::<AnalyticsDay>(&res, 0)?;
    let daily = analytics::days(from, to, &known);
    let active = rows::<Count>(&res, 1)?.into_iter().next().and_then(|c| c.n).unwrap_or(0);
    let overall = rows::<Overall>(&res, 2)?.into_iter().next();
    let (outstanding, members) = overall.map_or((0, 0), |o| (o.outstanding.unwrap_or(0), o.members.unwrap_or(0)));
    let value = program.as_ref().and_then(|p| p.points_value.as_ref());
    let summary = AnalyticsSummary {
        from: f,
        to: t,
        totals: analytics::totals(&daily, outstanding, value, members, active),
        daily,
        top_rewards: rows::<TopReward>(&res, 3)?,
        tiers: rows::<TierMembers>(&res, 4)?,
    };
    Reply::json(200, &summary)
}
