//! The program configuration: D1 holds it, KV serves it.

use std::rc::Rc;

use loyalty_core::program::Program;
use loyalty_core::wire::{ProgramSummary, RewardView};

use crate::args;
use crate::error::{Error, Result};
use crate::http::{Ctx, Reply};
use crate::{rewards, snapshot};

const KV_KEY: &str = "program";

thread_local! {
    static MEMO: snapshot::Slot<Program> = const { std::cell::RefCell::new(None) };
}

/// The program: memoised in the isolate, else from the KV snapshot, else
/// from D1 (re-filling the snapshot if KV lost it).
pub async fn load(ctx: &Ctx) -> Result<Rc<Program>> {
    if let Some(p) = snapshot::get(&MEMO, ctx.now.0) {
        return Ok(p);
    }
    let program = fetch(ctx).await?;
    Ok(snapshot::put(&MEMO, ctx.now.0, program))
}

async fn fetch(ctx: &Ctx) -> Result<Program> {
    if let Some(json) = ctx.kv()?.get(KV_KEY).text().await? {
        return Program::from_json(&json).map_err(|e| Error::Internal(format!("stored program is invalid: {e}")));
    }
    let row: Option<Body> = ctx.db()?.first("SELECT body FROM program WHERE id = 1", args![]).await?;
    let Some(row) = row else {
        return Err(Error::NotFound("no program is configured yet: PUT /v1/program first".into()));
    };
    ctx.kv()?.put(KV_KEY, row.body.as_str())?.execute().await?;
    Program::from_json(&row.body).map_err(|e| Error::Internal(format!("stored program is invalid: {e}")))
}

#[derive(serde::Deserialize)]
struct Body {
    body: String,
}

/// `GET /v1/program`: public; the earn rules are worded in the language
/// the caller asks for (`Accept-Language`), as the rewards' reasons are,
/// with the campaigns running now.
pub async fn get(ctx: &mut Ctx) -> Result<Reply> {
    let program = load(ctx).await?;
    let lang = ctx.lang();
    let mut summary = ProgramSummary::of(&program, lang, ctx.now);
    summary.rewards = rewards::catalog(ctx)
        .await?
        .iter()
        .filter(|r| r.active && r.show_to_guests)
        .map(|r| RewardView::of(r, lang))
        .collect();
    Reply::json(200, &summary)
}

/// `GET /v1/program/config`: the program exactly as `PUT /v1/program`
/// takes it (read scope), for editing it (the console).
pub async fn config(ctx: &mut Ctx) -> Result<Reply> {
    let program = load(ctx).await?;
    Reply::json(200, &*program)
}

/// `PUT /v1/program`: replace the program (API key).
pub async fn put(ctx: &mut Ctx) -> Result<Reply> {
    let body = ctx.body().await?;
    let text = std::str::from_utf8(&body).map_err(|_| Error::invalid("", "body must be UTF-8"))?;
    let program = Program::from_json(text)?;
    let json = serde_json::to_string(&program)?;
    let db = ctx.db()?;
    // The tiers beside the program, in the same batch: the schema's
    // `tier.changed` trigger reads them as rows (migration 0007).
    db.batch(vec![
        db.stmt(
            "INSERT INTO program (id, body, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            args![&json, ctx.now.0],
        )?,
        db.stmt("DELETE FROM tiers", args![])?,
        db.stmt(
            "INSERT INTO tiers (threshold, name, basis, tier_window)
             SELECT json_extract(t.value, '$.threshold'), json_extract(t.value, '$.name'), json_extract(?1, '$.tier_basis'),
                    json_extract(?1, '$.tier_window')
               FROM json_each(?1, '$.tiers') t",
            args![&json],
        )?,
    ])
    .await?;
    ctx.kv()?.put(KV_KEY, json.as_str())?.execute().await?;
    snapshot::clear(&MEMO);
    Reply::json(200, &program)
}
