//! The verifiable ledger export: `GET /v1/ledger/export` and the
//! scheduled step that chains the entries written since its last run
//! (`loyalty_core::chain` computes every hash; D1 keeps them in
//! `ledger_chain`, whose trigger accepts a link only after the one before).

use loyalty_core::chain::{self, ExportLine, GENESIS, MAX_PAGE};
use loyalty_core::ledger::EntryKind;
use loyalty_core::Timestamp;
use serde::Deserialize;

use crate::args;
use crate::db::{rows, Db};
use crate::error::{Error, Result};
use crate::http::{int_param, Ctx, Reply, NDJSON};

/// A ledger row with the member's key and its link, if chained.
#[derive(Deserialize)]
struct LineRow {
    entry_id: i64,
    customer_id: String,
    member_key: String,
    kind: String,
    points: i64,
    created_at: i64,
    cause: String,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl LineRow {
    fn line(self) -> Result<ExportLine> {
        Ok(ExportLine {
            cause: chain::public_cause(&self.cause, &self.customer_id, &self.member_key),
            created_at: Timestamp(self.created_at),
            entry_id: self.entry_id,
            hash: self.hash,
            kind: EntryKind::parse(&self.kind)
                .ok_or_else(|| Error::Internal(format!("ledger entry {} has kind {}", self.entry_id, self.kind)))?,
            member: self.member_key,
            points: self.points,
            prev_hash: self.prev_hash,
        })
    }
}

/// Entries after `$after`, in ledger order, at most `?2`.
macro_rules! lines {
    ($after:literal) => {
        concat!(
            "SELECT l.id AS entry_id, l.customer_id, m.member_key, l.kind, l.points, l.created_at, l.cause,
                    c.prev_hash, c.hash
               FROM ledger l JOIN members m ON m.customer_id = l.customer_id
               LEFT JOIN ledger_chain c ON c.entry_id = l.id
              WHERE l.id > ",
            $after,
            " ORDER BY l.id LIMIT ?2"
        )
    };
}

/// A page of the export, after the entry `?1`.
const PAGE: &str = lines!("?1");
/// The entries not chained yet (`?1` unused).
const UNCHAINED: &str = lines!("COALESCE((SELECT MAX(entry_id) FROM ledger_chain), ?1)");

/// `GET /v1/ledger/export?after=ENTRY_ID&limit=N`: NDJSON, one entry a
/// line; the next page starts after the last line's `entry_id`, and a page
/// shorter than `limit` is the last.
pub async fn export(ctx: &mut Ctx) -> Result<Reply> {
    let after = int_param(ctx.query_param("after").as_deref(), "after", 0, 0, i64::MAX)?;
    let limit = int_param(ctx.query_param("limit").as_deref(), "limit", 1_000, 1, MAX_PAGE)?;
    let rows: Vec<LineRow> = ctx.db()?.all(PAGE, args![after, limit]).await?;
    let mut body = String::with_capacity(rows.len() * 240);
    for r in rows {
        body.push_str(&serde_json::to_string(&r.line()?)?);
        body.push('\n');
    }
    Ok(Reply { status: 200, body, content_type: NDJSON, cookie: None })
}

#[derive(Deserialize)]
struct Last {
    entry_id: i64,
    hash: String,
}

/// Entries chained per round trip.
const CHUNK: i64 = 2_000;

/// Chains the entries written since the last run, oldest first, until
/// none is left or `rounds` chunks are done; returns how many it chained.
/// Two runs at once cannot both link the same entry: the table's trigger
/// refuses a link whose predecessor is not the last one stored.
pub async fn extend(db: &Db, rounds: usize) -> Result<usize> {
    let mut done = 0;
    for _ in 0..rounds {
        let res = db
            .batch(vec![
                db.stmt("SELECT entry_id, hash FROM ledger_chain ORDER BY entry_id DESC LIMIT 1", args![])?,
                db.stmt(UNCHAINED, args![0_i64, CHUNK])?,
            ])
            .await?;
        let last = rows::<Last>(&res, 0)?.into_iter().next();
        let mut lines = rows::<LineRow>(&res, 1)?.into_iter().map(LineRow::line).collect::<Result<Vec<_>>>()?;
        if lines.is_empty() {
            break;
        }
        if let (Some(last), Some(first)) = (&last, lines.first()) {
            if first.entry_id <= last.entry_id {
                return Err(Error::Internal("ledger chain: an entry before the chain's end".into()));
            }
        }
        chain::chain(last.as_ref().map_or(GENESIS, |l| l.hash.as_str()), &mut lines);
        let links: Vec<(i64, &str, &str)> = lines
            .iter()
            .map(|l| (l.entry_id, l.prev_hash.as_deref().unwrap_or(""), l.hash.as_deref().unwrap_or("")))
            .collect();
        db.batch(vec![db.stmt(
            "INSERT INTO ledger_chain (entry_id, prev_hash, hash)
             SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(?1) j ORDER BY j.key",
            args![serde_json::to_string(&links)?],
        )?])
        .await?;
        done += lines.len();
        if (lines.len() as i64) < CHUNK {
            break;
        }
    }
    Ok(done)
}
