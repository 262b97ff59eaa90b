//! `POST /v1/imports`: members brought from another program. Core reads
//! each row on its own (`loyalty_core::import`); the good rows go into D1
//! as one batch whose `imports` row per member (migration 0012) credits
//! the points once, so the same rows sent again change nothing: what
//! `loyalty import` relies on to resume after an interruption.

use loyalty_core::import::{self, Import, MAX_ROWS};
use loyalty_core::wire::{ImportIssue, ImportRequest, ImportResult};
use loyalty_core::{earn, Timestamp};
use serde::Deserialize;

use crate::args;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::http::{Ctx, Reply};
use crate::program;
use crate::write::{Begin, Outcome, Write};

#[derive(Deserialize)]
struct Imported {
    customer_id: String,
}

#[derive(Deserialize)]
struct Earlier {
    customer_id: String,
    points: i64,
    lifetime_earned: i64,
}

/// The batch that imports `rows` (a JSON array of [`Import`]): the members
/// (attributes fill what a member already known here lacks; a member
/// imported before is left alone), their tags' index, the `imports` rows
/// whose trigger credits the points (returning the members imported now),
/// and every `imports` row of these members (for the report).
fn statements(
    db: &Db,
    rows: &str,
    now: Timestamp,
    expires_at: Option<i64>,
) -> Result<Vec<worker::D1PreparedStatement>> {
    Ok(vec![
        db.stmt(
            "INSERT INTO members (customer_id, email, name, birthday, tags, enrolled_at, created_at)
             SELECT j.value ->> 'customer_id', j.value ->> 'email', j.value ->> 'name', j.value ->> 'birthday',
                    COALESCE(j.value ->> 'tags', '[]'), j.value ->> 'enrolled_at', ?2
               FROM json_each(?1) j
              WHERE NOT EXISTS (SELECT 1 FROM imports i WHERE i.customer_id = j.value ->> 'customer_id')
             ON CONFLICT (customer_id) DO UPDATE SET
               email = COALESCE(members.email, excluded.email),
               name = COALESCE(members.name, excluded.name),
               birthday = COALESCE(members.birthday, excluded.birthday),
               tags = CASE WHEN members.tags = '[]' THEN excluded.tags ELSE members.tags END,
               enrolled_at = MIN(members.enrolled_at, excluded.enrolled_at)",
            args![rows, now.0],
        )?,
        // The tags trigger (0011) follows updates of `tags`; a member
        // inserted with tags is indexed here.
        db.stmt(
            "INSERT OR IGNORE INTO member_tags (tag, customer_id)
             SELECT t.value, m.customer_id
               FROM json_each(?1) j JOIN members m ON m.customer_id = j.value ->> 'customer_id', json_each(m.tags) t",
            args![rows],
        )?,
        db.stmt(
            "INSERT INTO imports (customer_id, points, lifetime_earned, expires_at, imported_at)
             SELECT j.value ->> 'customer_id', j.value ->> 'points', j.value ->> 'lifetime_earned', ?2, ?3
               FROM json_each(?1) j WHERE true
             ON CONFLICT (customer_id) DO NOTHING
             RETURNING customer_id",
            args![rows, expires_at, now.0],
        )?,
        db.stmt(
            "SELECT customer_id, points, lifetime_earned FROM imports
              WHERE customer_id IN (SELECT j.value ->> 'customer_id' FROM json_each(?1) j)",
            args![rows],
        )?,
    ])
}

/// `POST /v1/imports`.
pub async fn post(ctx: &mut Ctx) -> Result<Reply> {
    let (req, raw): (ImportRequest, _) = ctx.json().await?;
    if req.members.len() > MAX_ROWS {
        return Err(Error::invalid("members", format!("must hold at most {MAX_ROWS} rows")));
    }
    let mut w = match Write::begin(ctx, "server", &raw).await? {
        Begin::Replay(r) => return Ok(r),
        Begin::Fresh(w) => w,
    };
    let now = ctx.now;
    let expires_at = program::load(ctx).await.ok().and_then(|p| earn::expires_at(&p, now)).map(|t| t.0);
    let (good, mut errors) = import::rows(req.members, now.date());
    let mut result = ImportResult { imported: 0, unchanged: 0, errors: Vec::new() };
    if !good.is_empty() {
        let imports: Vec<&Import> = good.iter().map(|(_, i)| i).collect();
        match w.commit(statements(w.db(), &serde_json::to_string(&imports)?, now, expires_at)?).await? {
            Outcome::Replayed(r) => return Ok(r),
            Outcome::Done(done) => report(&good, &done.rows(2)?, &done.rows(3)?, &mut result, &mut errors),
            // A guard of the schema refused the batch (a member's balance
            // would leave the safe range): each row on its own, so only
            // the rows at fault are refused.
            Outcome::Refused(_) => {
                for one in &good {
                    let rows = serde_json::to_string(&[&one.1])?;
                    match w.commit(statements(w.db(), &rows, now, expires_at)?).await? {
                        Outcome::Replayed(r) => return Ok(r),
                        Outcome::Done(done) => {
                            report(std::slice::from_ref(one), &done.rows(2)?, &done.rows(3)?, &mut result, &mut errors)
                        }
                        Outcome::Refused(c) => errors.push(ImportIssue {
                            row: one.0,
                            customer_id: Some(one.1.customer_id.clone()),
                            message: match c {
                                crate::db::Conflict::NumberOutOfRange => {
                                    "the member's points would pass 2^53 - 1".into()
                                }
                                other => format!("refused: {other:?}"),
                            },
                        }),
                    }
                }
            }
        }
    }
    errors.sort_by_key(|e| e.row);
    result.errors = errors;
    w.finish(Reply::json(200, &result)?).await
}

/// Counts the rows imported now, and tells a row imported before with
/// the same figures (unchanged) from one with others (an error: the first
/// import stands).
fn report(
    good: &[(u32, Import)],
    imported: &[Imported],
    earlier: &[Earlier],
    result: &mut ImportResult,
    errors: &mut Vec<ImportIssue>,
) {
    for (row, i) in good {
        if imported.iter().any(|m| m.customer_id == i.customer_id) {
            result.imported += 1;
            continue;
        }
        match earlier.iter().find(|e| e.customer_id == i.customer_id) {
            Some(e) if e.points == i.points && e.lifetime_earned == i.lifetime_earned => result.unchanged += 1,
            Some(e) => errors.push(ImportIssue {
                row: *row,
                customer_id: Some(i.customer_id.clone()),
                message: format!(
                    "imported before with {} points ({} lifetime); the first import stands",
                    e.points, e.lifetime_earned
                ),
            }),
            None => errors.push(ImportIssue {
                row: *row,
                customer_id: Some(i.customer_id.clone()),
                message: "not imported".into(),
            }),
        }
    }
}
